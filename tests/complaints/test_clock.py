"""The level clock on a replayed clock: store calendar deadlines, Hold pauses, policy changes (keep/recompute).

Every deadline below is computed by hand in the comments; NOW is Wednesday 25 November 2026, 10:00 (Shanghai).
"""

from datetime import datetime, time, timedelta

import pytest

from huifang.audit.models import AuditEntry
from huifang.calendars.services import calendar_update, store_day_save
from huifang.complaints import services
from huifang.complaints.models import Complaint, ComplaintEvent, ComplaintPolicy, ComplaintPolicyVersion
from huifang.complaints.selectors import level_clock
from huifang.notifications.models import Notification

from .conftest import NOW, at, intake

NINE_TO_SIX = (time(9), time(18))
MON_SAT = (NINE_TO_SIX,) * 6 + (None,)
MON_FRI = (NINE_TO_SIX,) * 5 + (None, None)


@pytest.fixture
def staff(store, specialist, manager, director):
    return {"specialist": specialist, "manager": manager, "director": director}


def set_policy(store, **values):
    from huifang.complaints.selectors import policy_for

    policy = policy_for(store=store)
    ComplaintPolicy.objects.filter(pk=policy.pk).update(**values)


def notices(complaint) -> list[str]:
    return list(
        Notification.objects.filter(key__startswith=f"complaint:{complaint.pk}:escalate")
        .order_by("pk")
        .values_list("key", flat=True)
    )


def kinds(complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint=complaint).order_by("at", "pk").values_list("kind", flat=True))


# --- deadlines from the store calendar --------------------------------------------------------------


def test_a_store_open_on_saturdays_counts_saturdays(store, staff, director):
    # given a store open Monday–Saturday 09:00–18:00 counting business hours, first contact in 2 h
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_SAT)
    set_policy(store, clock="business")
    # when a complaint comes in on Friday 27 November at 16:30
    complaint = intake(store, staff["specialist"], now=at(2026, 11, 27, 16, 30))
    # then first contact is due Saturday 09:30 (1.5 h Friday + 0.5 h Saturday), and level 1 (24 h):
    # 1.5 (Fri) + 9 (Sat) + 9 (Mon) = 19.5, + 4.5 h Tuesday → Tuesday 1 December 13:30
    assert complaint.first_contact_due == at(2026, 11, 28, 9, 30)
    assert complaint.level_due_at == at(2026, 12, 1, 13, 30)


def test_a_store_closed_on_saturdays_goes_to_monday(store, staff, director):
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_FRI)
    set_policy(store, clock="business")
    complaint = intake(store, staff["specialist"], now=at(2026, 11, 27, 16, 30))
    # 1.5 h Friday, 0.5 h Monday
    assert complaint.first_contact_due == at(2026, 11, 30, 9, 30)


def test_a_store_holiday_closes_the_clock(store, staff, director):
    # given the store closes on Monday 30 November (its own date)
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_FRI)
    store_day_save(store=store, actor=director, now=NOW, day=at(2026, 11, 30, 0).date(), is_open=False)
    set_policy(store, clock="business")
    # when a complaint comes in Friday 16:30, 2 business hours
    complaint = intake(store, staff["specialist"], now=at(2026, 11, 27, 16, 30))
    # then Tuesday 09:30
    assert complaint.first_contact_due == at(2026, 12, 1, 9, 30)


def test_2027_deadlines_fall_back_without_crashing(store, staff, director):
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_FRI)
    set_policy(store, clock="business")
    # Thursday 30 September 2027 16:00; 1–5 October closed (holidays.China + weekend): 2 h on 30 Sep, then
    # 9 (6 Oct) + 9 (7 Oct) + 4 → Friday 8 October 13:00
    complaint = intake(store, staff["specialist"], now=at(2027, 9, 30, 16))
    assert complaint.level_due_at == at(2027, 10, 8, 13)


# --- Hold ------------------------------------------------------------------------------------------


def test_hold_with_the_option_off_keeps_the_clock_running(store, staff):
    # given a complaint at NOW (level 1: 24 calendar hours → Thursday 10:00), Hold does not pause (default)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_status_change(
        complaint=complaint, actor=staff["specialist"], now=NOW + timedelta(hours=6), status="hold", why="僵持"
    )
    complaint.refresh_from_db()
    assert complaint.paused_at is None
    assert complaint.level_due_at == NOW + timedelta(hours=24)
    # when the sweep runs at +24 h
    counts = services.complaints_escalate_due(now=NOW + timedelta(hours=24))
    # then it escalates as today, once
    complaint.refresh_from_db()
    assert (counts["escalated"], complaint.level) == (1, 2)
    assert len(notices(complaint)) == 1


def test_hold_pauses_and_resumes_the_level_clock(store, staff, client):
    # given a store whose Hold pauses the clock for at most 72 h
    set_policy(store, hold_pauses_clock=True, hold_max_hours=72)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])  # level 1 due Thu 10:00
    # when it goes on Hold at Wed 16:00 (6 h used, 18 h left)
    hold_at = NOW + timedelta(hours=6)
    services.complaint_status_change(
        complaint=complaint, actor=staff["specialist"], now=hold_at, status="hold", why="客户拒绝方案"
    )
    complaint.refresh_from_db()
    # then paused until Sat 16:00 at the latest; the deadline assumes the whole pause: Sat 16:00 + 18 h = Sun 10:00
    assert complaint.paused_at == hold_at
    assert complaint.pause_until == at(2026, 11, 28, 16)
    assert complaint.level_due_at == at(2026, 11, 29, 10)
    shown = level_clock(complaint=complaint, now=NOW + timedelta(hours=20))
    assert shown["paused"] and shown["left_seconds"] == 18 * 3600
    # and the sweep at Thursday 10:00 (the old deadline) escalates nothing
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=24))["escalated"] == 0
    # when the Hold ends on Thursday 16:00 (24 h held)
    services.complaint_status_change(
        complaint=complaint,
        actor=staff["specialist"],
        now=NOW + timedelta(hours=30),
        status="in_process",
        why="客户同意",
    )
    complaint.refresh_from_db()
    # then the clock runs again with its 18 h: Friday 10:00
    assert complaint.paused_at is None
    assert complaint.level_due_at == at(2026, 11, 27, 10)
    assert complaint.held_seconds == 24 * 3600
    # and the timeline shows the Hold, the pause, the first-contact reminder of the sweep (first contact is not
    # paused), the end of the Hold and the resume, in that order
    assert kinds(complaint) == ["intake", "status", "clock_paused", "action", "status", "clock_resumed"]
    resumed = ComplaintEvent.objects.get(complaint=complaint, kind="clock_resumed")
    assert resumed.at == NOW + timedelta(hours=30)
    assert "2026-11-27 10:00" in resumed.note
    # and the sweep escalates exactly at Friday 10:00, once, with one notification
    assert services.complaints_escalate_due(now=at(2026, 11, 27, 9, 59))["escalated"] == 0
    assert services.complaints_escalate_due(now=at(2026, 11, 27, 10))["escalated"] == 1
    assert services.complaints_escalate_due(now=at(2026, 11, 27, 11))["escalated"] == 0
    complaint.refresh_from_db()
    assert (complaint.level, complaint.escalated_at) == (2, at(2026, 11, 27, 10))
    assert complaint.level_due_at == at(2026, 11, 29, 10)  # level 2: 48 h
    assert notices(complaint) == [f"complaint:{complaint.pk}:escalate:1:{int(at(2026, 11, 27, 10).timestamp())}"]


def test_the_longest_pause_ends_by_itself(store, staff):
    # given a Hold at Wed 16:00 that nobody ends, longest pause 72 h
    set_policy(store, hold_pauses_clock=True, hold_max_hours=72)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_status_change(
        complaint=complaint, actor=staff["specialist"], now=NOW + timedelta(hours=6), status="hold", why="僵持"
    )
    # when the sweep runs on Sunday 09:00 (after Sat 16:00), twice
    services.complaints_escalate_due(now=at(2026, 11, 29, 9))
    services.complaints_escalate_due(now=at(2026, 11, 29, 9))
    complaint.refresh_from_db()
    # then the clock ran again at Sat 16:00, recorded once at that instant, the deadline still Sun 10:00
    resumed = ComplaintEvent.objects.filter(complaint=complaint, kind="clock_resumed")
    assert [e.at for e in resumed] == [at(2026, 11, 28, 16)]
    assert (complaint.paused_at, complaint.level_due_at) == (None, at(2026, 11, 29, 10))
    assert complaint.status == "hold"
    # and at Sunday 10:00 it escalates once
    assert services.complaints_escalate_due(now=at(2026, 11, 29, 10))["escalated"] == 1
    assert len(notices(complaint)) == 1
    # and the new level has its own 72 h of pause
    complaint.refresh_from_db()
    assert complaint.held_seconds == 0


def test_a_second_hold_at_the_same_level_gets_only_the_rest_of_the_longest_pause(store, staff):
    set_policy(store, hold_pauses_clock=True, hold_max_hours=72)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    change = services.complaint_status_change
    # held 60 h from Wed 16:00 to Sat 04:00
    change(complaint=complaint, actor=None, now=NOW + timedelta(hours=6), status="hold", why="1")
    change(complaint=complaint, actor=None, now=NOW + timedelta(hours=66), status="ongoing", why="2")
    complaint.refresh_from_db()
    assert complaint.level_due_at == NOW + timedelta(hours=66 + 18)
    # when it goes on Hold again one hour later (17 h left), only 12 h of pause remain
    change(complaint=complaint, actor=None, now=NOW + timedelta(hours=67), status="hold", why="3")
    complaint.refresh_from_db()
    assert complaint.pause_until == NOW + timedelta(hours=79)
    assert complaint.level_due_at == NOW + timedelta(hours=79 + 17)


def test_business_hour_hold_shows_business_time_left(store, staff, director):
    # given a Monday–Saturday 09:00–18:00 store on business hours, Hold pauses
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_SAT)
    set_policy(store, clock="business", hold_pauses_clock=True, hold_max_hours=24)
    # a complaint Friday 27 Nov 16:30: level 1 (24 business hours) due Tue 1 Dec 13:30
    complaint = intake(store, staff["specialist"], owner=staff["specialist"], now=at(2026, 11, 27, 16, 30))
    # when it goes on Hold on Saturday 10:00 (1.5 + 1 = 2.5 h used, 21.5 h left)
    services.complaint_status_change(
        complaint=complaint, actor=None, now=at(2026, 11, 28, 10), status="hold", why="僵持"
    )
    complaint.refresh_from_db()
    # then paused until Sunday 10:00 (24 calendar hours); the store is closed Sunday, so the 21.5 h run
    # Mon 9 + Tue 9 + 3.5 → Wednesday 2 December 12:30
    assert complaint.pause_until == at(2026, 11, 29, 10)
    assert complaint.level_due_at == at(2026, 12, 2, 12, 30)
    assert level_clock(complaint=complaint, now=at(2026, 11, 28, 12))["left_seconds"] == int(21.5 * 3600)


# --- policy changes -----------------------------------------------------------------------------------


def _save(store, director, now, apply, **values):
    return services.policy_save(store=store, actor=director, now=now, values=values, apply=apply)


def test_policy_change_recomputes_open_complaints(store, staff, director):
    # given a complaint at NOW, level 1 24 h → Thu 10:00, not contacted (first contact 2 h → 12:00)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    closed = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_close(
        complaint=closed, actor=director, now=NOW, result="ok", root_cause="x", corrective_action="y", is_valid=True
    )
    # when at 16:00 the director sets level 1 to 12 h and first contact to 1 h, recomputing
    policy, count = _save(
        store, director, NOW + timedelta(hours=6), "recompute", level1_hours=12, first_contact_hours=1
    )
    complaint.refresh_from_db()
    # then 6 h were used, 6 h are left: 22:00; first contact 11:00; version 2 recorded
    assert count == 1
    assert complaint.level_due_at == NOW + timedelta(hours=12)
    assert complaint.first_contact_due == NOW + timedelta(hours=1)
    assert complaint.policy_version == policy.version == 2
    version = ComplaintPolicyVersion.objects.get(store=store, number=2)
    assert (version.applied, version.recomputed) == ("recompute", 1)
    assert (
        "2026-11-26 10:00 → 2026-11-25 22:00" in ComplaintEvent.objects.get(complaint=complaint, kind="deadlines").note
    )
    # and the closed complaint is untouched
    closed.refresh_from_db()
    assert closed.policy_version == 1 and closed.level_due_at is None
    # and the sweep escalates at 22:00 once
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=12))["escalated"] == 1
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=13))["escalated"] == 0
    assert len(notices(complaint)) == 1


def test_recomputing_moves_the_written_report_deadline_with_the_time_used(store, staff, director):
    # given at Wed 10:00 a complaint threatening the media (written report within 4 h → 14:00), one already
    # reported, and one filed at 05:00 whose report is late since 09:00
    media = intake(store, staff["specialist"], owner=staff["specialist"], content="客户说要去电视台曝光")
    reported = intake(store, staff["specialist"], owner=staff["specialist"], content="客户说要去电视台曝光")
    Complaint.objects.filter(pk=reported.pk).update(media_reported_at=NOW + timedelta(hours=1))
    late = intake(
        store, staff["specialist"], owner=staff["specialist"], content="客户说要去电视台曝光", now=at(2026, 11, 25, 5)
    )
    assert (media.media_report_due, late.media_report_due) == (NOW + timedelta(hours=4), at(2026, 11, 25, 9))
    # when at 12:00 (2 h used) the director allows 8 h for the report, recomputing
    _save(store, director, NOW + timedelta(hours=2), "recompute", media_report_hours=8)
    # then the report is due 6 h later, 18:00; the one sent is untouched; the late one (7 h used) is due 13:00
    for row in (media, reported, late):
        row.refresh_from_db()
    assert media.media_report_due == NOW + timedelta(hours=8)
    assert reported.media_report_due == NOW + timedelta(hours=4)
    assert late.media_report_due == at(2026, 11, 25, 13)
    note = ComplaintEvent.objects.get(complaint=media, kind="deadlines").note
    assert "2026-11-25 14:00 → 2026-11-25 18:00" in note
    entry = AuditEntry.objects.filter(object_id=str(media.pk), changes__has_key="media_report_due").latest("pk")
    assert datetime.fromisoformat(entry.changes["media_report_due"][1]) == NOW + timedelta(hours=8)
    # and when at 13:00 it shrinks to 2 h, recomputing, the report is late: due at once, and the sweep tells once
    _save(store, director, NOW + timedelta(hours=3), "recompute", media_report_hours=2)
    media.refresh_from_db()
    assert media.media_report_due == NOW + timedelta(hours=3)
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=3))["media_report_overdue"] == 2


def test_policy_change_keeps_promised_deadlines(store, staff, director):
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    _save(store, director, NOW + timedelta(hours=6), "keep", level1_hours=12)
    complaint.refresh_from_db()
    # the promised Thursday 10:00 stays, from version 1, while the store is on version 2
    assert complaint.level_due_at == NOW + timedelta(hours=24)
    shown = level_clock(complaint=complaint, now=NOW + timedelta(hours=7))
    assert (shown["version"], shown["current_version"]) == (1, 2)
    # a new complaint gets the new 12 h and version 2
    later = intake(store, staff["specialist"], owner=staff["specialist"], now=NOW + timedelta(hours=7))
    assert later.level_due_at == NOW + timedelta(hours=19)
    assert later.policy_version == 2
    # escalation of the kept one happens at its promised deadline, once
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=23))["escalated"] == 1  # the new one
    assert services.complaints_escalate_due(now=NOW + timedelta(hours=24))["escalated"] == 1
    assert len(notices(complaint)) == 1


def test_switching_to_business_hours_recomputes_with_the_time_used(store, staff, director):
    # given a Monday–Friday 09:00–18:00 store still on calendar hours, a complaint Wed 10:00 (due Thu 10:00)
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_FRI)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_contact_record(complaint=complaint, actor=None, now=NOW + timedelta(hours=1))
    # when at Wed 16:00 the clock becomes business hours, recomputing
    _save(store, director, NOW + timedelta(hours=6), "recompute", clock="business")
    complaint.refresh_from_db()
    # then 6 h used, 18 business hours left: Wed 16–18 (2) + Thu 9 + Fri 09:00 + 7 → Friday 16:00
    assert complaint.level_due_at == at(2026, 11, 27, 16)


def test_opening_hours_change_recomputes_and_saves_times_in_the_audit(store, staff, director):
    # given a business-hour store Monday–Friday 09:00–18:00 and a complaint Friday 27 Nov 16:30 (first contact
    # Monday 09:30, level 1: 1.5 + 9 + 9 + 4.5 → Wednesday 2 Dec 13:30)
    calendar_update(store=store, actor=director, now=NOW, weekly=MON_FRI)
    set_policy(store, clock="business")
    complaint = intake(store, staff["specialist"], owner=staff["specialist"], now=at(2026, 11, 27, 16, 30))
    assert complaint.level_due_at == at(2026, 12, 2, 13, 30)
    # when on Friday 17:00 the store starts opening on Saturdays 09:00–18:00, recomputing
    services.policy_save(
        store=store,
        actor=director,
        now=at(2026, 11, 27, 17),
        values={},
        weekly=MON_SAT,
        apply="recompute",
    )
    complaint.refresh_from_db()
    # then 0.5 h used; 23.5 h left from Friday 17:00: 1 + 9 (Sat) + 9 (Mon) + 4.5 → Tuesday 1 Dec 13:30
    assert complaint.level_due_at == at(2026, 12, 1, 13, 30)
    # and first contact (2 h from Friday 16:30): 1.5 + Saturday 09:30
    assert complaint.first_contact_due == at(2026, 11, 28, 9, 30)
    # and the audit entry holds the hours as text
    entry = AuditEntry.objects.filter(changes__has_key="weekly_hours").latest("pk")
    assert entry.changes["weekly_hours"][1][5] == ["09:00", "18:00"]


def test_saving_without_deadline_changes_makes_no_version(store, director):
    policy, count = _save(store, director, NOW, "recompute", major_repeat_repairs=4)
    assert count is None and policy.version == 1
    assert not ComplaintPolicyVersion.objects.exists()


def test_paused_complaint_recomputed_keeps_its_pause(store, staff, director):
    set_policy(store, hold_pauses_clock=True, hold_max_hours=72)
    complaint = intake(store, staff["specialist"], owner=staff["specialist"])
    services.complaint_status_change(
        complaint=complaint, actor=None, now=NOW + timedelta(hours=6), status="hold", why="僵持"
    )
    # when level 1 becomes 12 h during the pause (6 h used → 6 h left after the pause ends Sat 16:00)
    _save(store, director, NOW + timedelta(hours=8), "recompute", level1_hours=12)
    complaint.refresh_from_db()
    assert complaint.level_due_at == at(2026, 11, 28, 22)
    assert complaint.pause_until == at(2026, 11, 28, 16)
    assert Complaint.objects.filter(paused_at__isnull=False).count() == 1
