"""word_hits finds each token's policy word by look-up (major._first_word); it must pick exactly the word the
walk over the list picked: the first in the policy's order that the token is, the hotline 12xxx counting as xxx."""

from hypothesis import given
from hypothesis import strategies as st

from huifang.complaints import major

# Tokens and words drawn from a small alphabet so that exact and hotline matches (12315 / 315) happen often.
_pieces = st.sampled_from(["12", "315", "3", "1", "２", "媒体", "律师", "", "12315"])
_words = st.lists(st.lists(_pieces, min_size=1, max_size=3).map("".join), max_size=8)


def _walk(token, wanted):
    return next((w for w in wanted if major._is_word(token, w)), None)


@given(words=_words, token=st.lists(_pieces, min_size=1, max_size=3).map("".join))
def test_the_look_up_picks_the_word_the_walk_picked(words, token):
    wanted = major.split_words(words)
    positions = {word: i for i, word in enumerate(wanted)}
    assert major._first_word(token, wanted, positions) == _walk(token, wanted)


def test_the_hotline_before_the_number_itself_keeps_the_policy_order():
    for wanted in (["315", "12315"], ["12315", "315"]):
        positions = {word: i for i, word in enumerate(wanted)}
        assert major._first_word("12315", wanted, positions) == wanted[0]
    assert major._first_word("12", ["12", ""], {"12": 0}) == "12"
    assert major._first_word("1212", ["媒体"], {"媒体": 0}) is None


def test_word_hits_of_a_complaint_text():
    hits = major.word_hits("我要打12315投诉，还要找媒体曝光。刹车失灵了", "315，媒体，刹车失灵")
    assert [h.word for h in hits] == ["315", "媒体", "刹车失灵"]
