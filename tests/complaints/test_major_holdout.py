"""The held-out cases (tests/data/complaints_major/holdout.toml), written after the rules were finished and
never used to tune them. Their figures are reported as measured (docs/major-complaints.md); this test keeps
them from getting worse and prints them."""

from . import major_set

HOLDOUT = major_set.load("holdout.toml")
CASES = major_set.load("cases.toml")
# Measured when the held-out cases were first run (2026-12-06): 9 of 10 major cases flagged with the right
# reasons (H03 missed: "客户的律师今天来电" has the lawyer act, not the customer), 1 of 10 others flagged
# (HN02: hearsay of another car's fire, "听说新闻里有同款车自燃").
HOLDOUT_RECALL = 0.9
HOLDOUT_FALSE_POSITIVE_RATE = 0.1


def test_held_out_cases_score_as_measured(capsys):
    # when the default rules judge the held-out cases
    score = major_set.score(HOLDOUT, {c.id: major_set.fired(c) for c in HOLDOUT})
    with capsys.disabled():
        print("\n" + score.line("held-out set (holdout.toml)"))
    # then they do no worse than first measured
    assert score.majors == 10
    assert score.others == 10
    assert score.recall >= HOLDOUT_RECALL
    assert score.false_positive_rate <= HOLDOUT_FALSE_POSITIVE_RATE


def test_whole_set_scores(capsys):
    # when the rules judge both files together (94 cases)
    every = CASES + HOLDOUT
    score = major_set.score(every, {c.id: major_set.fired(c) for c in every})
    with capsys.disabled():
        print("\n" + score.line("whole set (cases + holdout)"))
    # then at most 5 % of the non-major cases are flagged, and at most one major case is missed
    assert len(every) >= 80
    assert score.false_positive_rate <= 0.05
    assert score.majors - score.found_right <= 1
