"""Every language of the HQ pages throughout: each message has a translation in every catalogue
(French, Arabic), and the compiled catalogue the app loads is the one the .po file says."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "server" / "translations"
LANGUAGES = ("fr", "ar")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


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


def po(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def messages() -> set[str]:
    return source_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(messages, language):
    catalogue = po(language)
    done = translations(catalogue)
    untranslated = sorted(m for m in messages if not all(done.get(m) or [""]))
    assert untranslated == [], "run pybabel extract/update, translate, then compile"
    # a plural has every form the language has (Arabic: six), none left empty
    short = sorted(k for k, v in done.items() if len(v) > 1 and len(v) != catalogue.num_plurals)
    assert short == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = translations(read_mo(fh))
    assert mo == translations(po(language)), "run: pybabel compile -d server/translations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_the_placeholders(language):
    """A translation that drops or renames a %(name)s would raise or mislead at run time."""
    wrong = [key for key, strings in translations(po(language)).items()
             if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(key)) for s in strings)]
    assert wrong == []
