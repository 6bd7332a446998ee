"""Why a submission was flagged, in the reader's language: fixed wordings, wordings around
the value they name, and refusals worded by their code."""

import pytest

from server.web.templating import problem_filter

CASES = [
    ({"field": "deprecatedID", "problem": "replaces unknown uuid:4f1c"},
     "remplace uuid:4f1c, inconnue", "replaces unknown uuid:4f1c"),
    ({"field": "fence.jpg", "problem": "photo refused: The file is not an image.",
      "code": "photos.not_an_image"},
     "photo refusée : Le fichier n'est pas une image JPEG, PNG ou WebP.",
     "photo refused: The file is not an image."),
    ({"field": "entries", "problem": "over 500 entries"}, "plus de 500 entrées",
     "over 500 entries"),
    ({"field": "op-7", "problem": "Label NE-NMY-000003-X is already on another crate.",
      "code": "labels.taken"}, "Cette étiquette est déjà sur une autre caisse.",
     "Label NE-NMY-000003-X is already on another crate."),
    ({"field": "visit", "problem": "the visit is at another depot"},
     "la visite est dans un autre dépôt", "the visit is at another depot"),
    ({"field": "x", "problem": "something no catalogue knows"},
     "something no catalogue knows", "something no catalogue knows"),
]


@pytest.mark.parametrize(("problem", "french", "english"), CASES,
                         ids=["edit of an unknown instance", "photo refused", "too many entries",
                              "op refused by code", "fixed wording", "unknown wording kept"])
def test_a_flag_reason_reads_in_the_readers_language(app, problem, french, english):
    for lang, expected in (("fr", french), ("en", english)):
        with app.test_request_context("/hq/", headers={"Accept-Language": lang}):
            assert problem_filter(problem) == expected
