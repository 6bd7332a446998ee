"""Serial keys: a serial as marked, reduced to what survives a worn stamp and hurried typing.

Both what is stored and what is typed are reduced the same way, so the two meet:
  - case, spaces, dashes, dots, slashes and other separators are dropped;
  - letters a stamp or a hand confuses with digits become the digit: O/Q/D→0, I/L→1 (and
    lower-case l), S→5, B→8, Z→2;
  - a run of digits loses its leading zeros ("AK 000123" and "AK123" meet), keeping one zero
    for a run of zeros alone.
Only ASCII letters and digits remain (accents are folded first). The key finds candidates;
ranking (sync/register/search.py) still prefers the serial as marked.
"""

from __future__ import annotations

import re
import unicodedata

CONFUSABLE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5",
                            "B": "8", "Z": "2"})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_DIGIT_RUN = re.compile(r"\d+")
MAX_SERIAL = 64


def plain_serial(text: str) -> str:
    """The serial with case and separators dropped, letters kept: the exact-match form."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", folded.upper())[:MAX_SERIAL]


def serial_key(text: str | None) -> str:
    """The search key of a serial (see the module's rules); "" when nothing is left."""
    if not text:
        return ""
    mapped = plain_serial(text).translate(CONFUSABLE)
    return _DIGIT_RUN.sub(lambda m: m.group().lstrip("0") or "0", mapped)


def confusions(typed: str, marked: str) -> list[str]:
    """Which confusions turn what was typed into the serial as marked, e.g. ["O→0", "S→5"],
    by position once separators are dropped (empty when the plain forms differ in length)."""
    a, b = plain_serial(typed), plain_serial(marked)
    if len(a) != len(b):
        return []
    return sorted({f"{x}→{y}" for x, y in zip(a, b, strict=True) if x != y})
