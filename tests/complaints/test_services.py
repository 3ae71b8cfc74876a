"""Complaint services: intake from the archive, numbering, deadlines, major flag, status, closing and follow-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.accounts.choices import Role
from huifang.audit.models import AuditEntry
from huifang.complaints import services
from huifang.complaints.models import Complaint, ComplaintEvent, ComplaintFollowUp, ComplaintPolicy
from huifang.followups.models import FollowUpTask
from huifang.notifications.models import Notification

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member
from .conftest import NOW, at, intake


def test_intake_fills_customer_and_vehicle_from_the_archive_by_vin(store, specialist):
    # given a vehicle in the archive
    vehicle = VehicleFactory(customer__store=store, customer__name="李雷", model="明锐")
    # when a complaint arrives with only the VIN written in lower case
    complaint = intake(store, specialist, vin=vehicle.vin.lower(), customer_name="")
    # then customer, phone, plate and model come from the archive
    assert complaint.customer == vehicle.customer
    assert complaint.vehicle == vehicle
    assert complaint.customer_name == "李雷"
    assert complaint.phone == vehicle.customer.mobile
    assert (complaint.plate, complaint.model) == (vehicle.plate, "明锐")


def test_intake_finds_the_customer_by_phone_in_any_form(store, specialist):
    customer = CustomerFactory(store=store, name="韩梅梅", mobile="+8613912345678")
    complaint = intake(store, specialist, phone="139-1234-5678", customer_name="")
    assert complaint.customer == customer
    assert complaint.customer_name == "韩梅梅"


def test_intake_does_not_use_another_stores_archive(store, other_store, specialist):
    vehicle = VehicleFactory(customer__store=other_store)
    complaint = intake(store, specialist, vin=vehicle.vin)
    assert complaint.customer is None
    assert complaint.vin == vehicle.vin


def test_numbers_count_per_store_and_month(store, other_store, specialist):
    first = intake(store, specialist)
    second = intake(store, specialist)
    elsewhere = intake(other_store, member(other_store, Role.CARE_SPECIALIST))
    december = intake(store, specialist, now=at(2026, 12, 1, 9))
    assert [first.number, second.number] == ["TSSZ012026110001", "TSSZ012026110002"]
    assert elsewhere.number == "TSGZ022026110001"
    assert december.number == "TSSZ012026120001"


def test_intake_computes_deadlines_in_calendar_hours(store, specialist):
    complaint = intake(store, specialist)
    assert complaint.received_at == NOW
    assert complaint.first_contact_due == NOW + timedelta(hours=2)
    assert complaint.level_due_at == NOW + timedelta(hours=24)
    assert complaint.level == 1
    assert complaint.status == "ongoing"
    assert complaint.media_report_due is None


def test_intake_in_business_hours_on_friday_evening(store, specialist):
    # given a store counting business hours 08:30-17:30
    ComplaintPolicy.objects.create(store=store, clock="business")
    # when a complaint arrives on Friday 27 Nov at 17:00
    complaint = intake(store, specialist, now=at(2026, 11, 27, 17))
    # then first contact Monday 10:00 (0.5 h Friday + 1.5 h Monday) and level 1 (24 h = 0.5 + 9 + 9 + 5.5) Wed 14:00
    assert complaint.first_contact_due == at(2026, 11, 30, 10)
    assert complaint.level_due_at == at(2026, 12, 2, 14)


def test_owner_is_the_repair_orders_advisor(store, specialist, advisor):
    order = RepairOrderFactory(vehicle__customer__store=store, advisor=advisor)
    complaint = intake(store, specialist, repair_order=order, customer_name="")
    assert complaint.owner == advisor
    assert complaint.customer == order.customer
    assert Notification.objects.filter(user=advisor, key=f"complaint:{complaint.pk}:owner:{advisor.pk}:intake").exists()


def test_owner_is_the_least_loaded_care_specialist_when_the_advisor_is_on_leave(store, specialist, advisor):
    # given the advisor on leave and two specialists, one already holding a complaint
    advisor.on_leave = True
    advisor.save()
    other = member(store, Role.CARE_SPECIALIST, username="other")
    intake(store, specialist, owner=specialist)
    order = RepairOrderFactory(vehicle__customer__store=store, advisor=advisor)
    # when
    complaint = intake(store, specialist, repair_order=order)
    # then the specialist with nothing open gets it
    assert complaint.owner == other


def test_intake_is_idempotent_on_the_case_number(store, specialist):
    first, created = services.complaint_intake(
        store=store,
        actor=specialist,
        now=NOW,
        channel="manufacturer",
        category="SQ",
        content="异响",
        customer_name="王五",
        external_case_no="CAC-1",
    )
    again, created_again = services.complaint_intake(
        store=store,
        actor=specialist,
        now=NOW + timedelta(hours=1),
        channel="manufacturer",
        category="SQ",
        content="异响",
        customer_name="王五",
        external_case_no="CAC-1",
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1


def test_intake_names_every_bad_field(store, specialist):
    with pytest.raises(ValidationError) as exc:
        services.complaint_intake(
            store=store,
            actor=specialist,
            now=NOW,
            channel="fax",
            category="XX",
            content=" ",
            phone="12",
            compensation_demand="-5",
        )
    assert set(exc.value.message_dict) == {
        "channel",
        "category",
        "content",
        "phone",
        "compensation_demand",
        "customer_name",
    }
    assert not Complaint.objects.exists()


def test_media_words_make_it_major_and_start_the_written_report(store, specialist, manager, director):
    complaint = intake(store, specialist, background="客户在媒体工作，表示处理不满意将曝光到媒体。")
    assert complaint.is_major
    assert complaint.major_reasons == [{"rule": "media_legal", "label": "涉及媒体/法律", "detail": "媒体、曝光"}]
    assert complaint.media_report_due == NOW + timedelta(hours=4)
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="major").count() == 1
    # the manager and the director hear about it at once
    notified = set(Notification.objects.filter(key=f"complaint:{complaint.pk}:major").values_list("user", flat=True))
    assert {manager.pk, director.pk} <= notified


def test_three_repairs_of_the_same_fault_make_it_major(store, specialist):
    vehicle = VehicleFactory(customer__store=store)
    for days, text in ((200, "方向盘抖动"), (120, "刹车时方向盘抖动"), (30, "高速方向盘抖动，光盘")):
        RepairOrderFactory(
            vehicle=vehicle, ro_type="repair", opened_at=NOW - timedelta(days=days), fault_description=text
        )
    RepairOrderFactory(vehicle=vehicle, opened_at=NOW - timedelta(days=10), fault_description="常规保养")
    complaint = intake(store, specialist, vehicle=vehicle, content="高速踩刹车方向盘严重抖动，问题未解决")
    assert [r["rule"] for r in complaint.major_reasons] == ["repeat_repair"]
    assert complaint.major_reasons[0]["detail"] == "3 ≥ 3：抖动（刹车、转向）"


def test_update_runs_the_major_rules_again(store, specialist):
    complaint = intake(store, specialist)
    assert not complaint.is_major
    later = NOW + timedelta(hours=3)
    services.complaint_update(
        complaint=complaint, actor=specialist, now=later, demand="赔偿两万元", compensation_demand=Decimal("20000")
    )
    complaint.refresh_from_db()
    assert complaint.is_major
    assert complaint.major_reasons[0]["rule"] == "compensation"
    assert AuditEntry.objects.filter(object_id=complaint.pk, changes__has_key="compensation_demand").exists()


def test_status_changes_record_who_when_and_why(store, specialist):
    complaint = intake(store, specialist)
    services.complaint_status_change(
        complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1), status="hold", why="客户拒绝方案"
    )
    event = ComplaintEvent.objects.get(complaint=complaint, kind="status")
    assert (event.actor, event.at, event.note) == (specialist, NOW + timedelta(hours=1), "客户拒绝方案")
    assert (event.from_status, event.to_status) == ("ongoing", "hold")
    assert AuditEntry.objects.filter(object_id=complaint.pk, changes__status=["ongoing", "hold"]).exists()


def test_status_cannot_jump_to_closed_or_change_without_why(store, specialist):
    complaint = intake(store, specialist)
    with pytest.raises(ValidationError) as closed:
        services.complaint_status_change(complaint=complaint, actor=specialist, now=NOW, status="closed", why="x")
    with pytest.raises(ValidationError) as no_why:
        services.complaint_status_change(complaint=complaint, actor=specialist, now=NOW, status="hold", why=" ")
    assert "status" in closed.value.message_dict
    assert "why" in no_why.value.message_dict


def test_first_contact_is_recorded_once(store, specialist):
    complaint = intake(store, specialist)
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1))
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=5), note="二次")
    complaint.refresh_from_db()
    assert complaint.first_contacted_at == NOW + timedelta(hours=1)
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="contact").count() == 2


def test_assigning_notifies_the_new_owner(store, specialist, manager):
    complaint = intake(store, specialist)
    services.complaint_assign(complaint=complaint, actor=specialist, now=NOW, owner=manager, why="需经理决定")
    complaint.refresh_from_db()
    assert complaint.owner == manager
    assert Notification.objects.filter(user=manager, key__startswith=f"complaint:{complaint.pk}:assign:").count() == 1


def test_assigning_to_someone_of_another_store_is_refused(store, specialist, outsider):
    complaint = intake(store, specialist)
    with pytest.raises(ValidationError):
        services.complaint_assign(complaint=complaint, actor=specialist, now=NOW, owner=outsider)


def test_actions_are_appended_to_the_tracking_field(store, specialist):
    complaint = intake(store, specialist)
    services.complaint_action_add(complaint=complaint, actor=specialist, now=NOW, note="已预约周五检查")
    complaint.refresh_from_db()
    assert complaint.actions.endswith("已预约周五检查")
    assert complaint.actions.startswith("2026-11-25 10:00")


def test_attachments_keep_name_type_and_size(store, specialist):
    complaint = intake(store, specialist)
    upload = SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    attachment = services.attachment_add(complaint=complaint, actor=specialist, now=NOW, file=upload)
    assert (attachment.name, attachment.content_type, attachment.size) == ("现场照片.jpg", "image/jpeg", 103)
    with pytest.raises(ValidationError):
        services.attachment_add(complaint=complaint, actor=specialist, now=NOW, file=SimpleUploadedFile("x.exe", b"MZ"))


def _close(complaint, actor, now, **kwargs):
    values = {
        "result": "更换制动三件套，故障修复",
        "root_cause": "制动盘变形",
        "corrective_action": "首修即更换，不再光盘",
        "is_valid": True,
    }
    values.update(kwargs)
    return services.complaint_close(complaint=complaint, actor=actor, now=now, **values)


def test_closing_names_each_missing_field(store, specialist):
    complaint = intake(store, specialist)
    with pytest.raises(ValidationError) as exc:
        services.complaint_close(
            complaint=complaint,
            actor=specialist,
            now=NOW,
            result="",
            root_cause=" ",
            corrective_action="",
            is_valid=None,
        )
    assert set(exc.value.message_dict) == {"result", "root_cause", "corrective_action", "is_valid"}
    with pytest.raises(ValidationError) as invalid:
        _close(complaint, specialist, NOW, is_valid=False)
    assert set(invalid.value.message_dict) == {"invalid_reason"}


def test_closing_plans_the_three_day_follow_up_call(store, specialist):
    # given a complaint of an archive customer owned by a care specialist
    customer = CustomerFactory(store=store)
    complaint = intake(store, specialist, customer=customer, owner=specialist)
    closed_at = NOW + timedelta(days=2)
    # when it is closed
    _close(complaint, specialist, closed_at)
    # then it is closed without a level deadline, and the follow-up call is due within 3 days
    complaint.refresh_from_db()
    assert (complaint.status, complaint.closed_at, complaint.level_due_at) == ("closed", closed_at, None)
    task = FollowUpTask.objects.get(kind="complaint_follow_up")
    assert (task.customer, task.subject, task.occurrence_key) == (
        customer,
        f"c{customer.pk}",
        f"complaint:{complaint.pk}:1",
    )
    assert (task.due_at, task.window_end) == (closed_at, closed_at + timedelta(days=3))
    assert (task.assigned_to, task.channel, task.status) == (specialist, "call", "open")
    assert ComplaintFollowUp.objects.get(complaint=complaint).task == task


def test_closing_without_a_customer_says_no_call_could_be_planned(store, specialist):
    complaint = intake(store, specialist)
    _close(complaint, specialist, NOW)
    assert not FollowUpTask.objects.exists()
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="follow_up", key="follow_up_unplanned:1").exists()


def test_an_unsatisfied_follow_up_reopens_and_the_next_close_is_round_two(store, specialist):
    # given a closed complaint with its follow-up task
    customer = CustomerFactory(store=store)
    complaint = intake(store, specialist, customer=customer, owner=specialist)
    _close(complaint, specialist, NOW)
    task = FollowUpTask.objects.get(kind="complaint_follow_up")
    # when the customer is not satisfied on the call two days later
    answered = NOW + timedelta(days=2)
    services.complaint_follow_up_record(task=task, actor=specialist, now=answered, satisfied=False, note="仍有抖动")
    # then the complaint is open again at its level with a new 24 h deadline
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopened_count, complaint.closed_at) == ("ongoing", 1, None)
    assert complaint.level_due_at == answered + timedelta(hours=24)
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="reopen").count() == 1
    # recording the same answer again changes nothing
    services.complaint_follow_up_record(task=task, actor=specialist, now=answered, satisfied=False)
    complaint.refresh_from_db()
    assert complaint.reopened_count == 1
    # and closing again plans round 2
    _close(complaint, specialist, answered + timedelta(days=1))
    assert list(ComplaintFollowUp.objects.order_by("round").values_list("round", flat=True)) == [1, 2]
    assert FollowUpTask.objects.filter(occurrence_key=f"complaint:{complaint.pk}:2").exists()


def test_a_satisfied_follow_up_keeps_it_closed(store, specialist):
    complaint = intake(store, specialist, customer=CustomerFactory(store=store))
    _close(complaint, specialist, NOW)
    task = FollowUpTask.objects.get()
    follow_up = services.complaint_follow_up_record(task=task, actor=specialist, now=NOW, satisfied=True)
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert follow_up.satisfied is True


def test_reopening_by_hand_cancels_the_open_follow_up_call(store, specialist):
    complaint = intake(store, specialist, customer=CustomerFactory(store=store))
    _close(complaint, specialist, NOW)
    services.complaint_reopen(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1), why="客户再次来电")
    complaint.refresh_from_db()
    assert complaint.status == "ongoing"
    assert FollowUpTask.objects.get().status == "cancelled"
    with pytest.raises(ValidationError):
        services.complaint_reopen(complaint=complaint, actor=specialist, now=NOW, why="again")


def test_written_report_is_tracked(store, specialist):
    complaint = intake(store, specialist, nature="legal")
    assert complaint.media_report_due == NOW + timedelta(hours=4)
    services.complaint_media_report_record(
        complaint=complaint, actor=specialist, now=NOW + timedelta(hours=5), note="已书面报告区域经理"
    )
    complaint.refresh_from_db()
    assert complaint.media_reported_at == NOW + timedelta(hours=5)
    event = ComplaintEvent.objects.get(complaint=complaint, kind="media_report")
    assert event.note.startswith("已书面报告区域经理")


def test_policy_update_checks_the_values(store, director):
    with pytest.raises(ValidationError) as exc:
        services.policy_update(store=store, actor=director, now=NOW, level1_hours=0, hold_max_hours=0)
    assert set(exc.value.message_dict) == {"level1_hours", "hold_max_hours"}
    policy = services.policy_update(store=store, actor=director, now=NOW, level1_hours=12)
    assert policy.level1_hours == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_numbers_and_one_complaint_per_case(store, specialist):
    # given two systems filing at once (two connections), each sending the same manufacturer case and two others
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    barrier = threading.Barrier(2)
    errors = []

    def run(n):
        from django.db import connections

        try:
            barrier.wait()
            for case in ("CAC-9", f"own-{n}-1", f"own-{n}-2"):
                services.complaint_intake(
                    store=store,
                    actor=specialist,
                    now=NOW,
                    channel="manufacturer",
                    category="SQ",
                    content="异响",
                    customer_name="王五",
                    external_case_no=case,
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then five complaints, numbered 0001 to 0005, one of them the shared case
    assert errors == []
    numbers = sorted(Complaint.objects.values_list("number", flat=True))
    assert numbers == [f"TSSZ01202611{n:04d}" for n in range(1, 6)]
    assert Complaint.objects.filter(external_case_no="CAC-9").count() == 1


def test_risk_periods_of_a_new_car_of_a_new_model(store, specialist):
    # given a car bought 4 months ago, of a model first sold 5 months ago
    from datetime import date

    from huifang.complaints.selectors import risk_periods

    VehicleFactory(customer__store=store, model="新款SUV", purchase_date=date(2026, 6, 20))
    vehicle = VehicleFactory(customer__store=store, model="新款SUV", purchase_date=date(2026, 7, 25))
    complaint = intake(store, specialist, vehicle=vehicle)
    # then both periods are named with their dates; 3·15 is not
    assert risk_periods(complaint=complaint, now=NOW) == [
        "购车后 3–6 个月内（购车 2026-07-25）：新车故障易引发重大投诉",
        "新车型上市一年内（新款SUV 首次销售 2026-06-20）",
    ]


def test_no_risk_period_for_an_old_car_of_an_old_model(store, specialist):
    from datetime import date

    from huifang.complaints.selectors import risk_periods

    vehicle = VehicleFactory(customer__store=store, model="明锐", purchase_date=date(2020, 5, 1))
    complaint = intake(store, specialist, vehicle=vehicle)
    assert risk_periods(complaint=complaint, now=NOW) == []


def test_an_owner_from_another_store_is_refused(store, specialist, outsider):
    with pytest.raises(ValidationError) as exc:
        intake(store, specialist, owner=outsider)
    assert set(exc.value.message_dict) == {"owner"}
