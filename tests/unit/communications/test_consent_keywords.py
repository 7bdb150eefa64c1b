"""Consent keywords: the whole message, any case, whitespace and closing punctuation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prm.domain.communications.keywords import KEYWORDS, KeywordAction, confirmation, keyword_action


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("STOP", KeywordAction.OPT_OUT),
        (" stop ", KeywordAction.OPT_OUT),
        ("Stop!", KeywordAction.OPT_OUT),
        ("\tSTOPALL\n", KeywordAction.OPT_OUT),
        ("unsubscribe.", KeywordAction.OPT_OUT),
        ("Cancel", KeywordAction.OPT_OUT),
        ("end", KeywordAction.OPT_OUT),
        ("QUIT", KeywordAction.OPT_OUT),
        ("start", KeywordAction.OPT_IN),
        ("UnStop", KeywordAction.OPT_IN),
        ("help?", KeywordAction.HELP),
        ("INFO", KeywordAction.HELP),
        ("please stop", None),
        ("stop it", None),
        ("STOPP", None),
        ("YES", None),
        ("C", None),
        ("1", None),
        ("", None),
        ("   ", None),
    ],
)
def test_keywords(text: str, action: KeywordAction | None) -> None:
    assert keyword_action(text) is action


@given(
    word=st.sampled_from(sorted(KEYWORDS)),
    upper=st.lists(st.booleans(), min_size=12, max_size=12),
    before=st.sampled_from(["", " ", "\n", "  \t"]),
    after=st.sampled_from(["", ".", "!", " ", "!!  "]),
)
def test_any_case_and_padding_is_the_same_keyword(word: str, upper: list[bool], before: str, after: str) -> None:
    mixed = "".join(c.upper() if u else c for c, u in zip(word, upper, strict=False))
    assert keyword_action(before + mixed + after) is KEYWORDS[word]


def test_one_confirmation_text_per_action_names_the_clinic() -> None:
    text = confirmation(KeywordAction.OPT_OUT, clinic="Riverside Clinic")
    assert text == "You will not receive more messages from Riverside Clinic on this number. Reply START to undo."
    assert "START" not in confirmation(KeywordAction.OPT_IN, clinic="X").split("Reply")[0]
    assert "Riverside" in confirmation(KeywordAction.HELP, clinic="Riverside")
