"""board_figures on a hand-made day: every number is counted by hand in tests/board/conftest.py."""

from datetime import UTC
from decimal import Decimal

from huifang.board.selectors import board_figures
from huifang.reports.choices import Evaluation

from .conftest import NOW, SECRET_PHONE


def test_calls_due_done_and_overdue_today_in_store_time(store, board_day):
    # when (now given in UTC: the store's own day must still be 8 December)
    figures = board_figures(store=store, now=NOW.astimezone(UTC))
    # then
    assert figures["today"].isoformat() == "2026-12-08"
    assert figures["calls"] == {
        "due_today": 3,
        "due_now": 1,
        "due_later_today": 2,
        "done_today": 1,
        "overdue": 1,
        "made_today": 2,
    }


def test_reach_rate_and_css_of_today_only(store, board_day):
    figures = board_figures(store=store, now=NOW)
    # 2 reached of 3 attempts; CSS (80 + 90) / 2; yesterday's 40 and the other store's 10 left out
    assert figures["reach_today"] == 66.7
    assert figures["css_today"] == 85.0
    assert figures["reach_target"] == Decimal("85")
    # the store's own targets mark the gauges: reach 18.3 points short (below), CSS on target (met)
    assert figures["week"]["reach_marks"][-1] == Evaluation.BELOW
    assert figures["week"]["css_marks"][-1] == Evaluation.MET
    # yesterday: one reached call of one attempt, scored 40
    assert figures["week"]["reach"][-2] == 100.0
    assert figures["week"]["css"][-2] == 40.0
    assert len(figures["week"]["days"]) == 7


def test_open_complaints_by_time_left(store, board_day):
    figures = board_figures(store=store, now=NOW)
    assert figures["complaints"] == {
        "open": 4,
        "overdue": 1,
        "soon": 1,
        "later": 2,
        "unowned": 3,
        "received_today": 1,
    }
    rows = figures["complaint_rows"]
    assert [r["number"] for r in rows] == [board_day[k].number for k in ("overdue", "soon", "paused", "later")]
    assert [r["band"] for r in rows] == ["overdue", "soon", "later", "later"]
    # time left to the first-contact deadline (not yet contacted), then to the level deadlines
    assert [r["left_seconds"] for r in rows] == [-28 * 3600, 2 * 3600, 10 * 3600, 30 * 3600]
    assert [r["paused"] for r in rows] == [False, False, True, False]
    assert rows[1]["is_major"] is True


def test_wall_shows_masked_names_and_no_phone(store, board_day):
    figures = board_figures(store=store, now=NOW)
    assert [r["customer"] for r in figures["complaint_rows"]] == ["赵**", "钱**", "孙**", "李**"]
    text = str(figures)
    for secret in ("赵大海", "钱多多", "王小明", SECRET_PHONE, SECRET_PHONE[3:]):
        assert secret not in text


def test_a_quiet_store_shows_zeros_and_no_rates(other_store, db):
    figures = board_figures(store=other_store, now=NOW)
    assert set(figures["calls"].values()) == {0}
    assert figures["reach_today"] is None
    assert figures["css_today"] is None
    assert figures["complaints"]["open"] == 0
    assert figures["complaint_rows"] == []
