import random

import pytest

from sync.labels.ids import (
    ALPHABET,
    SIG_LEN,
    CheckCharacterError,
    LabelFormatError,
    Signature,
    is_valid,
    make_label,
    parse_label,
    qr_text,
    read_scan,
    signature,
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


# ---- signatures and scanned values ---------------------------------------------------------

KEY = b"a server secret"


def printed_sample(n):
    rng = random.Random(11)
    for _ in range(n):
        depot = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(rng.randint(2, 5)))
        yield make_label(rng.choice(["NE", "NG", "ML"]), depot, rng.randint(1, 999_999))


def test_a_misread_printed_or_scanned_id_never_reads_as_another_label():
    """Through read_scan, as the lookup uses it: every single substitution and every adjacent
    swap of a printed ID (its signature dropped, as when typed) is refused, never taken for
    a different label."""
    for label in printed_sample(300):
        text = label.replace("-", "")
        variants = {text[:i] + other + text[i + 1:] for i, ch in enumerate(text)
                    for other in ALPHABET if other != ch}
        variants |= {text[:i] + text[i + 1] + text[i] + text[i + 2:]
                     for i in range(len(text) - 1) if text[i] != text[i + 1]}
        for typed in variants:
            with pytest.raises((CheckCharacterError, LabelFormatError)):
                read_scan(typed, KEY)


def test_signed_qr_text_reads_back_valid_and_stays_alphanumeric():
    text = qr_text("ne-nmy-000123-7", KEY)
    label, _, sig = text.partition(".")
    assert label == "NE-NMY-000123-7" and len(sig) == SIG_LEN and set(sig) <= set(ALPHABET)
    assert set(text) <= set(ALPHABET) | {"-", "."}  # QR alphanumeric mode
    scan = read_scan(text, KEY)
    assert (scan.label_id, scan.signature) == ("NE-NMY-000123-7", Signature.VALID)
    assert qr_text("NE-NMY-000123-7", None) == "NE-NMY-000123-7"


@pytest.mark.parametrize(("value", "signature"), [
    ("NE-NMY-000123-7", Signature.ABSENT),
    ("nenmy0001237", Signature.ABSENT),
    ("NE.NMY.000123.7", Signature.ABSENT),
    (" NE-NMY-000123-7\n", Signature.ABSENT),
    ("{signed}", Signature.VALID),
    ("{signed_lower}", Signature.VALID),
    ("NE-NMY-000123-7.AAAAA", Signature.INVALID),
    ("{other_key}", Signature.INVALID),
    ("NE-NMY-000123-7.{sig_of_124}", Signature.INVALID),
    ("NE-NMY-000123-7.ABC", Signature.INVALID),
    ("NE-NMY-000123-7.ABCDEF", Signature.INVALID),
    ("NE-NMY-000123-7.", Signature.INVALID),
    ("NE-NMY-000123-7.K3F9!", Signature.INVALID),
], ids=["printed", "bare lower case", "typed with dots", "scanner whitespace", "signed",
        "signed lower case", "made-up signature", "signed with another key",
        "signature of another label", "short signature", "long signature", "empty signature",
        "signature with a stray character"])
def test_scanned_values_and_their_signatures(value, signature):
    value = value.format(signed=qr_text("NE-NMY-000123-7", KEY),
                         signed_lower=qr_text("NE-NMY-000123-7", KEY).lower(),
                         other_key=qr_text("NE-NMY-000123-7", b"another secret"),
                         sig_of_124=qr_text(make_label("NE", "NMY", 124), KEY)[-SIG_LEN:])
    scan = read_scan(value, KEY)
    assert (scan.label_id, scan.signature) == ("NE-NMY-000123-7", signature)


@pytest.mark.parametrize("value", ["x" * 200, "https://example.org/NE-NMY-000123-7", ""],
                         ids=["very long", "a URL", "empty"])
def test_values_that_are_not_labels(value):
    with pytest.raises(LabelFormatError):
        read_scan(value, KEY)


def test_a_signed_value_with_a_wrong_check_character_is_a_misread():
    with pytest.raises(CheckCharacterError):
        read_scan("NE-NMY-000123-8." + signature("NE-NMY-000123-8", KEY), KEY)


def test_signatures_differ_between_labels_and_keys():
    sigs = {signature(label, KEY) for label in printed_sample(2000)}
    assert len(sigs) > 1990  # 25 bits: collisions are rare
    assert signature("NE-NMY-000123-7", KEY) != signature("NE-NMY-000123-7", b"other")
