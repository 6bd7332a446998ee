"""French throughout: every message of the HQ pages has a French translation, and the
compiled catalogue the app loads is the one the .po file says."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FR = ROOT / "server" / "translations" / "fr" / "LC_MESSAGES"


def source_messages() -> set[str]:
    method_map = [("server/**.py", "python"), ("server/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def translations(messages) -> dict[str, tuple[str, ...]]:
    """msgid (the singular, for plurals) -> its translations, from a .po or .mo catalogue."""
    out = {}
    for m in messages:
        if m.id:
            key = m.id[0] if isinstance(m.id, list | tuple) else m.id
            out[key] = tuple(m.string) if isinstance(m.string, list | tuple) else (m.string,)
    return out


def test_every_message_has_a_french_translation():
    with open(FR / "messages.po", "rb") as fh:
        french = translations(read_po(fh))
    untranslated = sorted(m for m in source_messages() if not all(french.get(m) or [""]))
    assert untranslated == [], "run pybabel extract/update, translate, then compile"


def test_the_compiled_catalogue_is_up_to_date():
    with open(FR / "messages.po", "rb") as fh:
        po = translations(read_po(fh))
    with open(FR / "messages.mo", "rb") as fh:
        mo = translations(read_mo(fh))
    assert mo == po, "run: pybabel compile -d server/translations"
