import random

import pytest

from sync.labelids import (
    ALPHABET,
    CheckCharacterError,
    LabelFormatError,
    is_valid,
    make_label,
    parse_label,
)


def sample_bodies(n=3000):
    rng = random.Random(7)
    for _ in range(n):
        depot = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(rng.randint(2, 5)))
        label = make_label(rng.choice(["NE", "NG", "ML", "BF", "TD", "MR"]), depot,
                           rng.randint(1, 999_999))
        yield label.replace("-", "")


def test_every_single_substitution_is_caught():
    for text in sample_bodies(400):
        assert is_valid(text)
        for i, ch in enumerate(text):
            for other in ALPHABET:
                if other != ch:
                    assert not is_valid(text[:i] + other + text[i + 1:]), (text, i, other)


def test_every_adjacent_transposition_is_caught():
    for text in sample_bodies():
        for i in range(len(text) - 1):
            a, b = text[i], text[i + 1]
            if a != b:
                assert not is_valid(text[:i] + b + a + text[i + 2:]), (text, i)


@pytest.mark.parametrize("typed", ["NE-NMY-000123-7", "ne-nmy-000123-7", "NENMY0001237",
                                   " NE NMY OOO123 7 ", "NE-NMY-000I23-7"],
                         ids=["printed", "lower", "bare", "spaces and O for 0", "I for 1"])
def test_typed_forms_read_back_to_the_printed_id(typed):
    assert make_label("NE", "NMY", 123) == "NE-NMY-000123-7"
    assert str(parse_label(typed)) == "NE-NMY-000123-7"


def test_wrong_check_character_and_garbage_are_told_apart():
    with pytest.raises(CheckCharacterError):
        parse_label("NE-NMY-000123-8")
    for junk in ["", "hello", "NE-NMY-12-7", "../../etc/passwd", "NE-N1Y-000123-7"]:
        with pytest.raises(LabelFormatError):
            parse_label(junk)


def test_ambiguous_letters_never_appear():
    assert not set("IOQU") & set(ALPHABET)
    with pytest.raises(LabelFormatError):
        make_label("NE", "NIO", 1)
