"""Crate label IDs: country and depot prefix, a sequence and a check character.

Printed form: ``NE-NMY-000123-7``; the bare form ``NENMY0001237`` is accepted too. In the QR
code the ID may carry a signature: ``NE-NMY-000123-7.K3F9X`` (see `signature`).
Alphabet: 32 symbols, digits and the letters other than I, O, Q and U, so that nothing read
aloud or typed is ambiguous (a typed O, I, Q or U is read as 0, 1, 0, V).

Check character: Damm's scheme over the quasigroup x*y = 2x + y in GF(32) (polynomial
x^5 + x^2 + 1). A quasigroup of this form with a != 0, 1 is totally anti-symmetric, so the
check catches every single-character substitution and every swap of adjacent characters,
the check character included.

Signature: the first 25 bits of HMAC-SHA256(server key, "depotsync label v1" + printed ID),
written as five symbols of the same alphabet after a dot. It lets the server tell a label it
printed from one made elsewhere; a value without it (typed by hand) is still read as the ID.
Everything in a signed value is in QR alphanumeric mode, so the code stays at version 2.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTVWXYZ"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
TYPO = str.maketrans({"O": "0", "I": "1", "Q": "0", "U": "V"})
SEQ_DIGITS = 6
SIG_LEN = 5
SIG_SEP = "."
MAX_SCAN = 64  # longer scanned values are not labels; nothing longer is parsed
_POLY = 0b100101
_SIG_CONTEXT = b"depotsync label v1\x00"


class LabelFormatError(ValueError):
    """Not a label ID at all, or a code that cannot appear in one."""


class CheckCharacterError(ValueError):
    """Well formed, but the check character does not match: a mistyped or misread ID."""


@dataclass(frozen=True)
class LabelId:
    country: str
    depot: str
    seq: int

    def __str__(self) -> str:
        body = f"{self.country}{self.depot}{self.seq:0{SEQ_DIGITS}d}"
        return f"{self.country}-{self.depot}-{self.seq:0{SEQ_DIGITS}d}-{check_character(body)}"


def _times2(x: int) -> int:
    x <<= 1
    return x ^ _POLY if x & 0b100000 else x


def _interim(text: str) -> int:
    acc = 0
    for ch in text:
        acc = _times2(acc) ^ VALUE[ch]
    return acc


def check_character(body: str) -> str:
    """The character that brings the running value of body + it to zero."""
    return ALPHABET[_times2(_interim(body))]


def is_valid(text: str) -> bool:
    return bool(text) and all(ch in VALUE for ch in text) and _interim(text) == 0


def valid_code(code: str) -> bool:
    """Country and depot codes that can stand in a label ID: 2-5 letters of the alphabet."""
    return 2 <= len(code) <= 5 and code.isalpha() and all(ch in VALUE for ch in code)


def make_label(country: str, depot: str, seq: int) -> str:
    if not (valid_code(country) and len(country) == 2 and valid_code(depot)):
        raise LabelFormatError(f"{country}-{depot} cannot prefix a label ID (letters I, O, Q, U "
                               "are not used).")
    if not 0 < seq < 10**SEQ_DIGITS:
        raise LabelFormatError(f"Label sequence {seq} is out of range.")
    return str(LabelId(country, depot, seq))


def parse_label(value: str) -> LabelId:
    """Read a typed, scanned or printed label ID. Raises LabelFormatError or
    CheckCharacterError."""
    text = re.sub(r"[\s\-_.]", "", (value or "").upper()).translate(TYPO)
    if len(text) < 2 + 2 + SEQ_DIGITS + 1 or len(text) > 2 + 5 + SEQ_DIGITS + 1:
        raise LabelFormatError("Not a label ID.")
    if any(ch not in VALUE for ch in text):
        raise LabelFormatError("Not a label ID: it holds characters labels never use.")
    country, depot = text[:2], text[2:-(SEQ_DIGITS + 1)]
    digits = text[-(SEQ_DIGITS + 1):-1]
    if not digits.isdigit() or not valid_code(depot):
        raise LabelFormatError("Not a label ID.")
    if not is_valid(text):
        raise CheckCharacterError("The check character does not match: the ID was mistyped "
                                  "or misread.")
    return LabelId(country, depot, int(digits))


class Signature(enum.StrEnum):
    VALID = "valid"  # printed by this server
    ABSENT = "absent"  # typed by hand, or printed unsigned: the ID alone, not verified
    INVALID = "invalid"  # a signature this server never made: a forged label


@dataclass(frozen=True)
class Scan:
    """What a scanned or typed value says: which label, and whether its signature holds."""

    label: LabelId
    signature: Signature

    @property
    def label_id(self) -> str:
        return str(self.label)


def signature(label_id: str, key: bytes) -> str:
    """SIG_LEN symbols of HMAC-SHA256(key, printed label ID): 25 bits, so a guessed
    signature is right once in 33 million tries."""
    mac = hmac.new(key, _SIG_CONTEXT + label_id.encode("ascii"), hashlib.sha256).digest()
    bits = int.from_bytes(mac[:4], "big") >> (32 - 5 * SIG_LEN)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(SIG_LEN)))


def qr_text(label_id: str, key: bytes | None) -> str:
    """What the QR code holds: the printed ID, signed unless key is None. Nothing else."""
    printed = str(parse_label(label_id))
    return printed if key is None else f"{printed}{SIG_SEP}{signature(printed, key)}"


def read_scan(value: str, key: bytes) -> Scan:
    """Read a scanned value (``ID.SIG``) or a typed one (the ID in any accepted form).

    Raises LabelFormatError for anything that is not a label ID and CheckCharacterError for a
    misread one; a present but wrong signature is reported, not raised: the caller decides
    what a forged label means once it knows the label is in the reader's scope.
    """
    text = (value or "").strip().upper()
    if len(text) > MAX_SCAN:
        raise LabelFormatError("Not a label ID.")
    head, sep, tail = text.rpartition(SIG_SEP)
    tail = tail.translate(TYPO)
    if sep:
        try:
            label = parse_label(head)
        except LabelFormatError:
            pass  # not ID.SIG after all: maybe an ID typed with dots; read it whole below
        else:
            # a whole ID then a signature of any shape: only this server's own is valid; a
            # malformed one is as forged as a wrong one, never "unsigned"
            good = (len(tail) == SIG_LEN and all(ch in VALUE for ch in tail)
                    and hmac.compare_digest(tail, signature(str(label), key)))
            return Scan(label, Signature.VALID if good else Signature.INVALID)
    return Scan(parse_label(text), Signature.ABSENT)
