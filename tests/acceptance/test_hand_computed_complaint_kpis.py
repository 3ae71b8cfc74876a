"""Hand-computed: a month of complaint KPIs (seed 004) made with the product's own services, read via the API.

Seed 004 definitions: 客户投诉处理满意率 = 投诉结案满意案件数 / 总受理案件数; 及时率 = 低于标准回复时间个案数 /
总受理个案数; 处理率 = 已处理个案数 / 总受理个案数; 有效回访率 = 有效回访数 / 总回访数. The month is November 2026 in
Shanghai (UTC+8), calendar-hour clock (default), first contact within 2 h. The report is read on 2 December.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints import services
from huifang.complaints.models import ComplaintFollowUp
from huifang.followups.choices import AttemptOutcome
from huifang.followups.models import ContactAttempt

from ..complaints.conftest import intake

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def now():
    return sh(2026, 12, 2, 9, 0)


def close(complaint, actor, at):
    return services.complaint_close(
        complaint=complaint,
        actor=actor,
        now=at,
        result="已更换部件，客户认可",
        root_cause="装配不当",
        corrective_action="加强质检",
        is_valid=True,
    )


def call_back(complaint, actor, at, outcome, satisfied=None):
    """One attempt on the complaint's latest follow-up call; a completed one records the verdict."""
    follow_up = ComplaintFollowUp.objects.filter(complaint=complaint).order_by("-round").first()
    ContactAttempt.objects.create(task=follow_up.task, at=at, outcome=outcome, actor=actor)
    if outcome == AttemptOutcome.COMPLETED:
        services.complaint_follow_up_record(task=follow_up.task, actor=actor, now=at, satisfied=satisfied)


def kpis(client, user, store) -> dict:
    client.force_login(user)
    response = client.get(f"/api/reports/stores/{store.pk}/kpis", {"month": "2026-11"})
    assert response.status_code == 200, response.content
    return {line["kpi"]: line["actual"] for line in response.json()["kpis"]}


def test_hand_computed_complaint_kpis_of_november(client, store, specialist, director, frozen_clock):
    def received(at, phone):
        return intake(store, specialist, now=at, phone=phone, owner=specialist)

    # C1 Mon 2 Nov 10:00, contacted 11:00 (due 12:00: timely), closed 3 Nov, called back 5 Nov: satisfied
    c1 = received(sh(2026, 11, 2, 10, 0), "13800000001")
    services.complaint_contact_record(complaint=c1, actor=specialist, now=sh(2026, 11, 2, 11, 0))
    close(c1, specialist, sh(2026, 11, 3, 10, 0))
    call_back(c1, specialist, sh(2026, 11, 5, 10, 0), AttemptOutcome.COMPLETED, satisfied=True)
    # C2 Mon 9 Nov 10:00, contacted 12:30 (due 12:00: late), closed 10 Nov; called 12 Nov 10:00 no answer,
    # 15:00 satisfied; on 20 Nov the customer rings again and the complaint is reopened: it is not a closed,
    # satisfied case any more (投诉结案满意 needs both), and it is not handled.
    c2 = received(sh(2026, 11, 9, 10, 0), "13800000002")
    services.complaint_contact_record(complaint=c2, actor=specialist, now=sh(2026, 11, 9, 12, 30))
    close(c2, specialist, sh(2026, 11, 10, 10, 0))
    call_back(c2, specialist, sh(2026, 11, 12, 10, 0), AttemptOutcome.NO_ANSWER)
    call_back(c2, specialist, sh(2026, 11, 12, 15, 0), AttemptOutcome.COMPLETED, satisfied=True)
    services.complaint_reopen(complaint=c2, actor=director, now=sh(2026, 11, 20, 9, 0), why="客户来电：异响又出现")
    # C3 Mon 16 Nov 10:00, contacted 11:59 (timely), still open
    c3 = received(sh(2026, 11, 16, 10, 0), "13800000003")
    services.complaint_contact_record(complaint=c3, actor=specialist, now=sh(2026, 11, 16, 11, 59))
    # C4 Mon 30 Nov 23:30 Shanghai (15:30 UTC, still November), contacted 1 Dec 00:30 (due 01:30: timely), open
    c4 = received(sh(2026, 11, 30, 23, 30), "13800000004")
    services.complaint_contact_record(complaint=c4, actor=specialist, now=sh(2026, 12, 1, 0, 30))
    # not November in Shanghai: 31 Oct 23:50 (15:50 UTC, October either way) and 1 Dec 00:10
    # (30 Nov 16:10 UTC: November in UTC, December in Shanghai)
    received(sh(2026, 10, 31, 23, 50), "13800000005")
    received(sh(2026, 12, 1, 0, 10), "13800000006")

    # when the care director reads November's KPIs on 2 December
    actual = kpis(client, director, store)

    # then, received in November: C1, C2, C3, C4 = 4
    # timeliness: C1, C3, C4 contacted by the deadline = 3 / 4 = 75.0 %
    assert actual["complaint_timeliness"] == 75.0
    # handling: closed when the report is made: C1 = 1 / 4 = 25.0 %
    assert actual["complaint_handling"] == 25.0
    # satisfied closure: closed and satisfied at the follow-up after that closing: C1 = 1 / 4 = 25.0 %
    # (C2's satisfied answer was undone by the reopening)
    assert actual["complaint_satisfaction"] == 25.0
    # valid callbacks: follow-up call attempts in November: C1 completed, C2 no answer, C2 completed = 2 / 3
    assert actual["complaint_valid_callback"] == 66.7
