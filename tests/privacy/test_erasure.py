"""Erasure: nothing of the customer is left anywhere in the database, and the figures still add up."""

from datetime import date

import pytest
from django.apps import apps
from django.db import IntegrityError, models

from huifang.archive.models import Contact, Customer, RepairOrder, Vehicle
from huifang.audit.models import AuditEntry
from huifang.complaints.models import Complaint
from huifang.privacy import services
from huifang.privacy.choices import ERASE_ACTION, RequestKind
from huifang.privacy.erasure import owned_ids
from huifang.privacy.erasure_fields import Strategy, strategy_for
from huifang.privacy.models import DataRightsRequest
from huifang.reports import figures
from huifang.workbench.models import Answer, CallRecord

from ..factories import CustomerFactory, VehicleFactory
from ..reports.conftest import OCTOBER
from .conftest import NAME, PLATE, dump_database, searched_values


def test_erased_customer_is_found_nowhere_in_a_dump_of_every_table(person, director, now):
    # given: the dump holds the customer in every written form
    before = dump_database()
    for value in searched_values():
        assert value in before, value
    # when
    services.customer_erase(customer=person, reason="客户书面申请删除 2026-11-18", actor=director, now=now)
    # then
    after = dump_database()
    left = [value for value in searched_values() if value in after]
    assert left == []


def test_rows_stay_with_their_numbers_dates_and_links(person, director, now):
    # given
    call = CallRecord.objects.get(customer=person)
    score, answers = call.score, list(Answer.objects.filter(call=call).values_list("value", flat=True))
    ro = RepairOrder.objects.get(customer=person)
    # when
    services.customer_erase(customer=person, reason="客户申请", actor=director, now=now)
    # then: the rows are there, anonymised, with every figure kept
    person.refresh_from_db()
    assert person.name == f"ERASED-{person.pk}"
    assert (person.mobile, person.email, person.id_number, person.phone_digits, person.name_pinyin) == ("",) * 5
    assert person.birthday == date(1990, 1, 1)  # the year stays for age statistics
    assert person.occupation == "教师"
    vehicle = Vehicle.objects.get(customer=person)
    assert (vehicle.vin, vehicle.plate, vehicle.model) == (f"ERASED-{vehicle.pk}", "", "明锐")
    ro.refresh_from_db()
    assert (ro.number, ro.total_amount, ro.fault_description) == (ro.number, ro.total_amount, "")
    call.refresh_from_db()
    assert call.score == score and call.comment == ""
    assert list(Answer.objects.filter(call=call).values_list("value", flat=True)) == answers
    complaint = Complaint.objects.get(customer=person)
    assert (complaint.customer_name, complaint.phone, complaint.content) == (f"ERASED-{complaint.pk}", "", "[已删除]")
    assert Contact.objects.get(customer=person).name.startswith("ERASED-")


def test_erasure_is_logged_with_the_reason(person, director, now):
    services.customer_erase(customer=person, reason="客户书面申请", actor=director, now=now)
    request = DataRightsRequest.objects.get(customer=person)
    assert (request.kind, request.reason, request.actor, request.store_id) == (
        RequestKind.ERASE,
        "客户书面申请",
        director,
        person.store_id,
    )
    assert request.counts["archive.Vehicle"] == 1
    entry = AuditEntry.objects.get(action=ERASE_ACTION)
    assert (entry.object_id, entry.actor, entry.changes["reason"]) == (person.pk, director, "客户书面申请")


def test_audit_trail_keeps_non_personal_changes_and_masks_the_rest(person, director, now):
    services.customer_erase(customer=person, reason="申请", actor=director, now=now)
    update = AuditEntry.objects.get(action="update", object_id=person.pk)
    assert update.changes == {"mobile": ["***", "***"], "name": ["***", "***"], "gender": ["", "F"]}
    assert update.object_repr.endswith(f"#{person.pk}")


@pytest.mark.parametrize("reason", ["", "   "])
def test_erasure_without_a_reason_changes_nothing(person, director, now, reason):
    with pytest.raises(Exception) as exc:
        services.customer_erase(customer=person, reason=reason, actor=director, now=now)
    assert "reason" in str(exc.value)
    person.refresh_from_db()
    assert person.name == NAME
    assert not DataRightsRequest.objects.exists()


def test_an_error_midway_rolls_everything_back(person, director, now, monkeypatch):
    from huifang.privacy import erasure

    def broken(**kwargs):
        raise IntegrityError("boom")

    monkeypatch.setattr(erasure, "mask_leftovers", broken)
    with pytest.raises(IntegrityError):
        services.customer_erase(customer=person, reason="申请", actor=director, now=now)
    person.refresh_from_db()
    assert person.name == NAME
    assert Vehicle.objects.get(customer=person).plate == PLATE
    assert not DataRightsRequest.objects.exists()


def test_two_customers_erased_together_keep_vin_uniqueness(store, director, now):
    # given: two customers of one store; placeholders must not collide on (store, vin)
    a, b = VehicleFactory(customer=CustomerFactory(store=store)), VehicleFactory(customer=CustomerFactory(store=store))
    # when
    services.customers_erase(customers=[a.customer, b.customer], reason="保留期满", actor=director, now=now)
    # then
    assert sorted(Vehicle.objects.values_list("vin", flat=True)) == sorted([f"ERASED-{a.pk}", f"ERASED-{b.pk}"])
    assert DataRightsRequest.objects.filter(kind=RequestKind.ERASE).count() == 2


def test_another_customer_with_the_same_name_is_untouched(person, store, director, now):
    twin = CustomerFactory(store=store, name=NAME)
    services.customer_erase(customer=person, reason="申请", actor=director, now=now)
    twin.refresh_from_db()
    assert twin.name == NAME


def test_kpis_of_the_month_are_unchanged(store, october, director, now):  # noqa: F811
    # given: a customer of the October data with a call, problems, an RO and a reminder
    stores = [store]
    customer = october["v2"].customer
    call_customer = CallRecord.objects.filter(store=store, problems__isnull=False).first().customer

    def snapshot():
        return {
            "actuals": figures.kpi_actuals(stores=stores, month=OCTOBER),
            "complaints": figures.complaint_statistics(stores=stores, month=OCTOBER),
            "followups": figures.followup_kpis(stores=stores, month=OCTOBER, by=("store", "specialist", "advisor")),
            "css_advisor": figures.css_scores(stores=stores, month=OCTOBER, by="advisor"),
            "flow": figures.customer_flow(stores=stores, month=OCTOBER),
            "staff": figures.staff_assessment(store=store, month=OCTOBER),
        }

    before = snapshot()
    # when
    services.customers_erase(customers=[customer, call_customer], reason="申请", actor=director, now=now)
    # then
    assert Customer.objects.get(pk=customer.pk).name.startswith("ERASED-")
    assert snapshot() == before


def test_every_model_linked_to_a_customer_has_its_free_text_erased():
    """Future-proof: any model with a key to a customer, vehicle or repair order (surveys, consent records...)
    has every free-text field erased unless the policy table keeps it on purpose."""
    roots = {Customer, Vehicle, RepairOrder}
    kept_on_purpose = {
        "archive.Customer": {"occupation", "level", "category", "club_level", "language"},
        "archive.Vehicle": {"brand", "model", "trim"},
        "archive.RepairOrder": {"number", "advisor_name", "technician_name"},
        "archive.RepairOrderLine": {"code", "description"},
        "complaints.Complaint": {"number", "external_case_no", "model", "responsible_department", "major_reasons"},
        "followups.FollowUpTask": {"subject", "occurrence_key"},
        "messaging.OutboxMessage": {"idempotency_key", "provider_message_id"},
        "workbench.CallRecord": {"advisor_name", "issue_reasons"},
    }
    linked = [
        m
        for m in apps.get_models()
        if m in roots or any(f.is_relation and f.related_model in roots for f in m._meta.concrete_fields)
    ]
    assert len(linked) >= 10
    for model in linked:
        key = f"{model._meta.app_label}.{model.__name__}"
        if key == "privacy.DataRightsRequest":
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField) and not field.choices:
                strategy = strategy_for(model, field)
                if field.name in kept_on_purpose.get(key, set()):
                    assert strategy == Strategy.KEEP, (key, field.name)
                else:
                    assert strategy != Strategy.KEEP, (key, field.name)


def test_owned_rows_follow_keys_several_levels_deep(person):
    owned = owned_ids([person.pk])
    names = {f"{m._meta.app_label}.{m.__name__}" for m in owned}
    assert {
        "workbench.Answer",
        "complaints.ComplaintEvent",
        "operations.EventSignup",
        "archive.RepairOrderLine",
    } <= names
