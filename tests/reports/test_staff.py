"""Seed 003 staff assessment, recording audit sampling and implausible-call flags."""

from decimal import Decimal as D

from huifang.accounts.choices import Role
from huifang.followups.choices import RuleKind
from huifang.reports import figures, services
from huifang.reports.models import RecordingAudit

from ..factories import member
from .conftest import NOW, OCTOBER, at
from .factories import TaskFactory, call


def test_staff_assessment_per_specialist(store, october, director):
    # given two audited recordings of specialist A (80 and 90)
    calls = list(october["a"].calls_made.filter(ended_at__gte=at(2026, 10, 1)).order_by("ended_at"))
    for c, score in zip(calls, (80, 90), strict=True):
        audit = RecordingAudit.objects.create(
            store=store, call=c, month=OCTOBER, specialist=october["a"], sampled_at=NOW
        )
        services.audit_score_save(audit=audit, score=score, notes="", actor=director, now=NOW)
    # when
    rows = {r["name"]: r for r in figures.staff_assessment(store=store, month=OCTOBER)}
    # then: A did T1 (in its window) and T2 (late), reached both; B tried T3 three times without reaching
    a, b = rows["专员甲"], rows["专员乙"]
    assert (a["done"], a["on_time"], a["attempted"], a["reached"], a["reach"], a["calls"]) == (
        2,
        1,
        2,
        2,
        D("100.0"),
        2,
    )
    assert (a["sampled"], a["audited"], a["audit_score"]) == (2, 2, D("85.0"))  # (80 + 90) / 2
    assert (b["done"], b["attempted"], b["reached"], b["reach"], b["calls"]) == (0, 1, 0, D("0.0"), 0)


def test_three_short_satisfied_calls_in_a_day_are_flagged(store):
    # given specialist C: on 20 Oct satisfied calls of 10, 20 and 25 s (and one of 30 s, not short);
    # on 21 Oct only two short ones
    c = member(store, Role.CARE_SPECIALIST, username="spec_c", display_name="专员丙")
    for day, seconds in ((20, 10), (20, 20), (20, 25), (20, 30), (21, 5), (21, 6)):
        task = TaskFactory(customer__store=store, kind=RuleKind.FIRST_VISIT_SERIES, due_at=at(2026, 10, day, 9))
        call(task, at(2026, 10, day, 10, seconds), caller=c, duration=seconds)
    # when
    flags = figures.implausible_calls(store=store, month=OCTOBER)
    # then
    assert [(f["name"], f["day"].isoformat(), f["calls"], f["shortest"]) for f in flags] == [
        ("专员丙", "2026-10-20", 3, 10)
    ]
    assert flags[0]["average"] == D("18.3")  # (10 + 20 + 25) / 3


def test_audit_sampling_draws_the_same_calls_for_the_same_seed(store, director):
    # given 8 recorded calls of one specialist in October and 2 without a recording
    s = member(store, Role.CARE_SPECIALIST, username="spec_d")
    recorded = []
    for i in range(10):
        task = TaskFactory(customer__store=store, due_at=at(2026, 10, 1 + i, 9))
        url = f"https://pbx.example.com/r/{i}.mp3" if i < 8 else ""
        c = call(task, at(2026, 10, 1 + i, 10), caller=s, recording_url=url)
        if url:
            recorded.append(c.pk)
    # when sampled twice with the same seed (the first draw removed in between)
    first = services.audit_sample(store=store, month=OCTOBER, actor=director, now=NOW, seed="abc")
    first_ids = sorted(a.call_id for a in first)
    RecordingAudit.objects.all().delete()
    second = services.audit_sample(store=store, month=OCTOBER, actor=director, now=NOW, seed="abc")
    # then: 5 (the default sample size) recorded calls, the same ones
    assert len(first_ids) == 5 and set(first_ids) <= set(recorded)
    assert sorted(a.call_id for a in second) == first_ids
    # and sampling again tops up to the size only: nothing new
    assert services.audit_sample(store=store, month=OCTOBER, actor=director, now=NOW, seed="abc") == []
