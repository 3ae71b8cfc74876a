"""Tenancy: a user of store B cannot read (or change) store A's customers through any URL or API route.

The walkers below visit every URL pattern of the project and every route of the OpenAPI schema, so a
new page or endpoint is covered the day it is added. Path parameters are filled with the ids of store
A's objects from the maps below; a parameter the maps do not know fails the test, so whoever adds a
URL with a new parameter name must register it here.
"""

import html
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.accounts.selectors import stores_visible_to
from huifang.api import api
from huifang.appointments.choices import AppointmentSource, ServiceKind
from huifang.appointments.models import Appointment
from huifang.archive.choices import ContactRole, CustomerKind, ImportStatus
from huifang.archive.models import (
    Contact,
    Customer,
    ImportBatch,
    ImportMapping,
    ImportRejection,
    MileageReading,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
)
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.audit.services import audit_record
from huifang.board.models import BoardScreen
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel
from huifang.complaints.models import Complaint, ComplaintAttachment, ComplaintEvent
from huifang.core.phones import display_phone, mask_phone, national_digits
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.models import ContactAttempt, FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.messaging.choices import MessageChannel, MessagePurpose
from huifang.messaging.consent import consent_record
from huifang.messaging.models import MessageTemplate, OutboxMessage
from huifang.messaging.services import templates_ensure_defaults
from huifang.notifications.models import Notification
from huifang.operations.models import (
    Campaign,
    ClubEvent,
    ClubLevel,
    ClubMember,
    EventSignup,
    LoungeChecklist,
    LoungeItem,
    LoungeScore,
)
from huifang.reports.models import KpiTarget, PdcaEntry, RecordingAudit
from huifang.surveys.models import SurveyLink
from huifang.workbench.models import CallRecord, CallScript, Problem, Questionnaire
from huifang.workbench.services import questionnaire_current, scripts_ensure_defaults

from .factories import (
    CustomerFactory,
    GroupFactory,
    RegionFactory,
    RepairOrderFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    make_vin,
    member,
)

# URL prefixes that hold no store data of ours (Django admin is superuser-only) or are the login flow.
EXCLUDED_PREFIXES = ("admin/", "static/", "media/", "i18n/", "login/", "logout/", "__debug__/")

# Path parameters by name -> which of store A's objects fills it.
PARAMS_BY_NAME = {
    "customer_id": "customer",
    "vehicle_id": "vehicle",
    "repair_order_id": "repair_order",
    "ro_id": "repair_order",
    "batch_id": "batch",
    "import_id": "batch",
    "contact_id": "contact",
    "store_id": "store_pk",
    "store_code": "store_code",
    "field": "phone_field",
    "store": "store_code",
    "kind": "script_kind",
    "scenario": "script_scenario",
    "task_id": "followup_task",
    "call_id": "call",
    "problem_id": "problem",
    "script_id": "script",
    "complaint_id": "complaint",
    "attachment_id": "attachment",
    "notification_id": "notification",
    "checklist_id": "checklist",
    "item_id": "lounge_item",
    "photo_id": "lounge_score",
    "level_id": "club_level",
    "member_id": "club_member",
    "event_id": "club_event",
    "token": "signup_token",
    "entry_id": "pdca_entry",
    "audit_id": "recording_audit",
    "campaign_id": "campaign",
    "key": "invitation_key",
    "appointment_id": "appointment",
    "screen_id": "board_screen",
}
# `pk` / `id` are named by the path segment before them ("customers/<int:pk>/").
PARAMS_BY_SEGMENT = {
    "customers": "customer",
    "vehicles": "vehicle",
    "repair-orders": "repair_order",
    "repair_orders": "repair_order",
    "orders": "repair_order",
    "imports": "batch",
    "contacts": "contact",
    "stores": "store_pk",
    "templates": "message_template",
    "rules": "followup_rule",
    "tasks": "followup_task",
    "appointments": "appointment",
}
LOGIN_PREFIX = "/login/"
# Pages anyone may read: the API's schema and its docs hold no store data.
# The customer's signed sign-up link is public too: a bad token answers 400/410 with a plain page.
PUBLIC_URL_NAMES = {
    "api:openapi-json",
    "api:openapi-view",
    "operations:public_signup",
    "surveys:answer",
    "surveys:thanks",
    "messaging:unsubscribe",
    "accounts:invitation_accept",
    "appointments_public:customer_link",
    # The team board shows a store's figures only to a screen whose signed cookie names it; without one it says
    # "not paired". The pairing page answers a wrong code with 400.
    "board:index",
    "board:live",
    "board:pair",
    "board:pair_code",
}


@dataclass
class StoreA:
    """Store A's data, and the strings that must never reach a user of store B."""

    store: object
    customer: Customer
    contact: Contact
    vehicle: Vehicle
    repair_order: RepairOrder
    batch: ImportBatch
    template: MessageTemplate
    rule: FollowUpRule
    task: FollowUpTask
    markers: tuple[str, ...]
    extra: dict

    def value(self, key: str):
        return {
            "customer": self.customer.pk,
            "vehicle": self.vehicle.pk,
            "repair_order": self.repair_order.pk,
            "batch": self.batch.pk,
            "contact": self.contact.pk,
            "store_pk": self.store.pk,
            "store_code": self.store.code,
            "phone_field": "mobile",
            "message_template": self.template.pk,
            "followup_rule": self.rule.pk,
            "followup_task": self.task.pk,
            **self.extra,
        }[key]

    def snapshot(self) -> tuple:
        """Everything a write through some URL could change in store A."""
        store = self.store
        return (
            list(Customer.objects.filter(store=store).order_by("pk").values()),
            list(Contact.objects.filter(customer__store=store).order_by("pk").values()),
            list(Vehicle.objects.filter(store=store).order_by("pk").values()),
            RepairOrder.objects.filter(store=store).count(),
            list(ImportBatch.objects.filter(store=store).order_by("pk").values("pk", "status", "dry_run")),
            AuditEntry.objects.filter(store=store).count(),
            list(ImportMapping.objects.filter(store=store).values("name", "columns")),
            MileageReading.objects.filter(vehicle__store=store).count(),
            RepairOrderLine.objects.filter(repair_order__store=store).count(),
            list(MessageTemplate.objects.filter(store=store).order_by("pk").values()),
            list(OutboxMessage.objects.filter(store=store).order_by("pk").values("pk", "status", "body")),
            list(FollowUpRule.objects.filter(store=store).order_by("pk").values()),
            list(FollowUpTask.objects.filter(store=store).order_by("pk").values()),
            list(Complaint.objects.filter(store=store).order_by("pk").values()),
            ComplaintEvent.objects.filter(complaint__store=store).count(),
            ComplaintAttachment.objects.filter(complaint__store=store).count(),
            list(CallRecord.objects.filter(store=store).order_by("pk").values()),
            list(Problem.objects.filter(store=store).order_by("pk").values()),
            list(CallScript.objects.filter(store=store).order_by("pk").values()),
            list(Questionnaire.objects.filter(store=store).order_by("pk").values()),
            list(Notification.objects.filter(store=store).order_by("pk").values()),
            list(LoungeChecklist.objects.filter(store=store).order_by("pk").values()),
            list(LoungeItem.objects.filter(store=store).order_by("pk").values()),
            list(ClubMember.objects.filter(store=store).order_by("pk").values()),
            list(ClubLevel.objects.filter(store=store).order_by("pk").values()),
            list(ClubEvent.objects.filter(store=store).order_by("pk").values()),
            EventSignup.objects.filter(event__store=store).count(),
            list(PdcaEntry.objects.filter(store=store).order_by("pk").values()),
            list(RecordingAudit.objects.filter(store=store).order_by("pk").values()),
            list(KpiTarget.objects.filter(store=store).order_by("pk").values()),
            list(Appointment.objects.filter(store=store).order_by("pk").values()),
            list(BoardScreen.objects.filter(store=store).order_by("pk").values()),
        )


@pytest.fixture
def store_a(store, specialist) -> StoreA:
    """A company customer of store A with a driver contact, a car, a repair order, an import and a trail."""
    customer = CustomerFactory(
        store=store,
        kind=CustomerKind.COMPANY,
        name="欧阳机密贸易有限公司",
        mobile="+8613712340001",
        home_phone="+862087654321",
        dms_code="SECRETDMS77",
    )
    contact = Contact.objects.create(
        customer=customer, role=ContactRole.DRIVER, name="司马隐秘", phone="+8615987650002"
    )
    vehicle = VehicleFactory(customer=customer, plate="京A9K7Z5", vin=make_vin(987654))
    order = RepairOrderFactory(vehicle=vehicle, number="ROSECRET0001", advisor_name="顾问甲")
    RepairOrderLine.objects.create(repair_order=order, description="机密保养项目")
    MileageReading.objects.create(vehicle=vehicle, read_on=timezone.localdate(), km=12345, source="manual")
    batch = ImportBatch.objects.create(
        store=store, created_by=specialist, filename="secret-dms.csv", status=ImportStatus.DONE, rows_rejected=1
    )
    ImportRejection.objects.create(batch=batch, row_number=7, field="mobile", value="13712340001", reason="重复")
    audit_record(
        obj=customer,
        action=AuditAction.UPDATE,
        at=timezone.now() - timedelta(days=1),
        actor=specialist,
        changes={"mobile": ["+8613700000000", customer.mobile]},
    )
    templates_ensure_defaults(store=store)
    template = MessageTemplate.objects.filter(store=store).order_by("pk").first()
    OutboxMessage.objects.create(
        store=store,
        customer=customer,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        to_address=customer.mobile,
        body=f"尊敬的{customer.name}:您的爱车{vehicle.plate}保养已完成。",
        not_before=timezone.now(),
        idempotency_key="tenancy-secret-1",
    )
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.INSURANCE_RENEWAL)
    # An overdue open task of the specialist: it shows on the manager's overdue list and could be moved.
    task_due = timezone.now() - timedelta(days=30)
    task = FollowUpTask.objects.create(
        store=store,
        rule=rule,
        kind=rule.kind,
        customer=customer,
        vehicle=vehicle,
        subject=f"v{vehicle.pk}",
        occurrence_key="tenancy-secret",
        due_at=task_due,
        window_end=task_due + timedelta(hours=rule.window_hours),
        status=TaskStatus.OPEN,
        assigned_to=specialist,
        channel=rule.channel,
        created_at=task_due,
    )
    phones = (customer.mobile, customer.home_phone, contact.phone)
    markers = (
        customer.name,
        contact.name,
        customer.dms_code,
        vehicle.plate,
        vehicle.vin,
        order.number,
        "机密保养项目",
        "机密投诉内容",
        "机密回访备注",
        "机密问题",
        "机密车主聚会",
        "TSSZ01SECRET",
        *(national_digits(p) for p in phones),
        *(display_phone(p) for p in phones),
        *(mask_phone(p) for p in phones),
    )
    extra = _store_a_workflow(store, specialist, customer, vehicle, order)
    return StoreA(store, customer, contact, vehicle, order, batch, template, rule, task, markers, extra)


def _store_a_workflow(store, specialist, customer, vehicle, order) -> dict:
    """Store A's calls, complaints, notifications, club, lounge checklist and report entries."""
    now = timezone.now()
    post_rule = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
    call_task = FollowUpTask.objects.create(
        store=store,
        rule=post_rule,
        kind=post_rule.kind,
        customer=customer,
        vehicle=vehicle,
        repair_order=order,
        subject=f"v{vehicle.pk}",
        occurrence_key=f"ro{order.pk}",
        due_at=now - timedelta(days=2),
        window_end=now + timedelta(days=1),
        status=TaskStatus.DONE,
        assigned_to=specialist,
        channel=post_rule.channel,
        created_at=now - timedelta(days=2),
    )
    attempt = ContactAttempt.objects.create(task=call_task, at=now, outcome=AttemptOutcome.COMPLETED, actor=specialist)
    questionnaire = questionnaire_current(store=store)
    scripts_ensure_defaults(store=store)
    complaint = Complaint.objects.create(
        store=store,
        number="TSSZ01SECRET",
        channel=ComplaintChannel.PHONE,
        category=ComplaintCategory.SERVICE,
        customer=customer,
        vehicle=vehicle,
        repair_order=order,
        customer_name=customer.name,
        phone=customer.mobile,
        vin=vehicle.vin,
        plate=vehicle.plate,
        content="机密投诉内容",
        owner=specialist,
        received_at=now,
        first_contact_due=now + timedelta(hours=2),
        level_due_at=now + timedelta(hours=24),
    )
    ComplaintEvent.objects.create(complaint=complaint, at=now, kind="intake", actor=specialist, note="机密投诉内容")
    attachment = ComplaintAttachment.objects.create(
        complaint=complaint,
        file=SimpleUploadedFile("secret.txt", "机密附件".encode()),
        name="secret.txt",
        uploaded_at=now,
    )
    call = CallRecord.objects.create(
        store=store,
        task=call_task,
        attempt=attempt,
        customer=customer,
        vehicle=vehicle,
        repair_order=order,
        caller=specialist,
        questionnaire=questionnaire,
        outcome="with_issue",
        ended_at=now,
        comment="机密回访备注",
        complaint=complaint,
        recording=SimpleUploadedFile("secret.mp3", b"ID3secret", content_type="audio/mpeg"),
    )
    problem = Problem.objects.create(
        store=store, call=call, customer=customer, repair_order=order, description="机密问题", created_at=now
    )
    notification = Notification.objects.create(
        user=specialist, store=store, created_at=now, title=f"投诉 {customer.name}", key="tenancy-secret"
    )
    level = ClubLevel.objects.create(store=store, name="金卡", rank=1)
    club_member = ClubMember.objects.create(store=store, customer=customer, level=level, joined_on=now.date())
    event = ClubEvent.objects.create(
        store=store,
        kind="gathering",
        title="机密车主聚会",
        starts_at=now + timedelta(days=9),
        capacity=2,
        created_by=specialist,
        created_at=now,
    )
    EventSignup.objects.create(
        event=event, member=club_member, status="confirmed", source="front_desk", signed_up_at=now
    )
    item = LoungeItem.objects.create(store=store, position=1, title="空调")
    checklist = LoungeChecklist.objects.create(store=store, day=now.date(), checker=specialist, created_at=now)
    score = LoungeScore.objects.create(
        checklist=checklist, item=item, score=5, photo=SimpleUploadedFile("lounge.jpg", b"\xff\xd8secret")
    )
    entry = PdcaEntry.objects.create(
        store=store, month=now.date().replace(day=1), kpi="complaint_timeliness", updated_at=now
    )
    audit = RecordingAudit.objects.create(
        store=store, call=call, month=now.date().replace(day=1), specialist=specialist, sampled_at=now
    )
    template = MessageTemplate.objects.filter(store=store).order_by("pk").first()
    campaign = Campaign.objects.create(
        store=store,
        template=template,
        channel=template.channel,
        purpose=template.purpose,
        segment={"customer_kind": customer.kind},
        submit_token="tenancy-secret",
        created_by=specialist,
        created_at=now,
    )
    appointment = Appointment.objects.create(
        store=store,
        customer=customer,
        vehicle=vehicle,
        service=ServiceKind.MAINTENANCE,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, minutes=30),
        source=AppointmentSource.CALL,
        link_nonce="secret",
        created_at=now,
        note="机密预约备注",
    )
    SurveyLink.objects.create(
        store=store,
        task=call_task,
        customer=customer,
        nonce="secret",
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        state="granted",
        source="front_desk",
        actor=specialist,
        now=now,
        note=f"{customer.name} 机密同意",
    )
    screen = BoardScreen.objects.create(store=store, name="机密看板", created_by=specialist, created_at=now)
    return {
        "board_screen": screen.pk,
        "campaign": campaign.pk,
        "appointment": appointment.pk,
        "call": call.pk,
        "problem": problem.pk,
        "script": CallScript.objects.filter(store=store).order_by("pk").first().pk,
        "complaint": complaint.pk,
        "attachment": attachment.pk,
        "notification": notification.pk,
        "checklist": checklist.pk,
        "lounge_item": item.pk,
        "lounge_score": score.pk,
        "club_level": level.pk,
        "club_member": club_member.pk,
        "club_event": event.pk,
        # A valid invitation link of store A is the customer's own: its page is public by design.
        "signup_token": "not-a-valid-token",
        # An invitation link is its own credential (a staff member's, not a customer's): a wrong key is 410.
        "invitation_key": "not-a-valid-invitation",
        "script_kind": RuleKind.POST_SERVICE_CALL.value,
        "script_scenario": "owner",
        "pdca_entry": entry.pk,
        "recording_audit": audit.pk,
    }


@pytest.fixture
def store_b_customer(other_store):
    """Store B has data of its own, so its lists are not trivially empty."""
    customer = CustomerFactory(store=other_store, name="本店客户乙", mobile="+8613900009999")
    VehicleFactory(customer=customer, plate="粤B11111")
    return customer


def _persona(kind: str, other_store):
    """Users who see store B and only store B (store A is in another group and region)."""
    if kind == "specialist":
        return member(other_store, Role.CARE_SPECIALIST)
    if kind == "store_admin":
        return member(other_store, Role.ADMIN)
    user = UserFactory()
    if kind == "group_manager":
        Membership.objects.create(user=user, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=other_store.group)
    elif kind == "oem_regional":
        Membership.objects.create(user=user, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=other_store.region)
    return user


PERSONAS = ["specialist", "store_admin", "group_manager", "oem_regional"]


# --- walking the URL configuration ---------------------------------------------------------------


def _walk(patterns, parts=(), namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from _walk(entry.url_patterns, (*parts, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield (*parts, entry.pattern), name


def _route_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        text = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if re.search(r"[()\[\]*+?\\]", text):
            pytest.fail(f"regex URL pattern {str(pattern)!r}: give it a path() route or exclude it in the walker")
        return text
    pytest.fail(f"unknown URL pattern type {type(pattern).__name__}: teach tests/test_tenancy.py about it")
    return ""


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def _fill(route: str, data: StoreA, *, label: str) -> str:
    """The route with every parameter replaced by the id of store A's object it names."""

    def replace(match: re.Match) -> str:
        name = match.group("name")
        key = PARAMS_BY_NAME.get(name)
        if key is None and name in ("pk", "id"):
            segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            key = PARAMS_BY_SEGMENT.get(segment)
        if key is None:
            pytest.fail(
                f"URL {label!r} ({route!r}) has a parameter {name!r} the tenancy walker does not know: "
                "add it to PARAMS_BY_NAME or PARAMS_BY_SEGMENT in tests/test_tenancy.py"
            )
        return str(data.value(key))

    return _PARAM.sub(replace, route)


def project_urls(data: StoreA) -> list[tuple[str, str]]:
    """(url, name) of every URL pattern of the project outside the excluded prefixes."""
    urls = []
    for parts, name in _walk(get_resolver().url_patterns):
        if "".join(str(p) for p in parts).lstrip("^").startswith(EXCLUDED_PREFIXES):
            continue
        route = "".join(_route_text(p) for p in parts)
        urls.append(("/" + _fill(route, data, label=name or route), name))
    return urls


# --- reading a response as text ------------------------------------------------------------------


def response_text(response) -> str:
    """Everything a client could read in the response: JSON unescaped, XLSX/ZIP unpacked, HTML unescaped."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    location = response.get("Location", "")
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(n) for n in archive.namelist())
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = content.decode("utf-8", errors="replace")
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        text = html.unescape(text)
    return location + "\n" + text


def leaks(response, data: StoreA) -> list[str]:
    text = response_text(response)
    return [marker for marker in data.markers if marker and marker in text]


def _check(response, data: StoreA, what: str, problems: list[str]) -> None:
    status = response.status_code
    # The monitoring endpoint answers 503 by design while no worker or scheduler has run (none does here).
    if status == 503 and what.endswith("(health)"):
        status = 200
    if status >= 500:
        problems.append(f"{what}: server error {status}")
        return
    if status in (301, 302, 303, 307, 308) and response["Location"].startswith(LOGIN_PREFIX):
        return
    found = leaks(response, data)
    if found:
        problems.append(f"{what}: {status} shows store A's {found}")


def _queries(data: StoreA) -> list[str]:
    """Query strings that would find store A's customer. Each is only part of a marker, because pages
    echo the query back (the search box) and the echo must not count as a leak."""
    c, v = data.customer, data.vehicle
    return [
        "",
        f"?q={c.name[:4]}",
        "?q=oyjm",
        f"?q={national_digits(c.mobile)[:7]}",
        f"?q={v.plate[1:6]}",
        f"?q={v.vin[-8:]}&plate={v.plate[:5]}&vin={v.vin[-8:]}",
        f"?store={data.store.pk}&customer={c.pk}&vehicle={v.pk}&batch={data.batch.pk}",
        f"?store={data.store.code}",
    ]


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("dms.csv", "客户名称,手机\n入侵者,13800000000\n".encode(), content_type="text/csv")


def _post_bodies(data: StoreA) -> list[dict]:
    common = {
        "q": data.customer.name,
        "field": "mobile",
        "customer": data.customer.pk,
        "name": "入侵者",
        "dry_run": "false",
        # The follow-up screens: a rule edit and a bulk move of store A's specialist's tasks.
        "lead_days": 1,
        "delay_hours": 1,
        "window_hours": 1,
        "max_failed_attempts": 1,
        "return_window_days": 2,
        "channel": "sms",
        "owner_rule": "automatic",
        "from_user": data.task.assigned_to_id,
        "rebalance": "on",
    }
    return [
        {**common, "store": data.store.pk, "file": _upload()},
        {**common, "store": data.store.code, "file": _upload()},
    ]


# --- (a) every URL pattern -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_url_shows_or_changes_another_stores_customers(client, store_a, store_b_customer, other_store, persona):
    # given a user who sees store B only
    client.force_login(_persona(persona, other_store))
    before = store_a.snapshot()
    problems: list[str] = []
    urls = project_urls(store_a)
    # when every URL is read and posted to with store A's ids
    for url, name in urls:
        for query in _queries(store_a):
            response = client.get(url + query, follow=True)
            _check(response, store_a, f"GET {url}{query} ({name})", problems)
        for body in _post_bodies(store_a):
            response = client.post(url, body)
            _check(response, store_a, f"POST {url} ({name})", problems)
            if store_a.snapshot() != before:
                problems.append(f"POST {url} ({name}) changed store A's data")
                before = store_a.snapshot()
    # then
    assert not problems, "\n".join(problems)
    assert any("<int:" not in url and "/archive/customers/" in url for url, _ in urls)


def test_walker_covers_the_customer_pages_and_the_api(store_a):
    urls = {url for url, _ in project_urls(store_a)}
    c = store_a.customer.pk
    assert f"/api/archive/customers/{c}" in urls
    assert f"/api/archive/imports/{store_a.batch.pk}/rejections" in urls
    assert f"/archive/customers/{c}/" in urls


def test_walker_detects_store_a_data_when_it_is_visible(client, store_a, director):
    """A control: store A's own director does see the markers, so the walk above is not vacuous."""
    client.force_login(director)
    c = store_a.customer.pk
    json_read = client.get(f"/api/archive/customers/{c}")
    html_read = client.get(f"/archive/customers/{c}/")
    assert {store_a.customer.name, mask_phone(store_a.customer.mobile), store_a.vehicle.vin} <= set(
        leaks(json_read, store_a)
    )
    assert store_a.customer.name in leaks(html_read, store_a)


def test_walker_detects_the_follow_up_screens_when_they_are_reachable(client, store_a, director):
    """Control for the follow-up URLs: store A's director sees the overdue task, and the walker's POST
    body really does change a rule and move the tasks, so the snapshot would catch it from store B."""
    client.force_login(director)
    store = store_a.store.pk
    overdue = client.get(f"/followups/stores/{store}/overdue/")
    assert store_a.customer.name in leaks(overdue, store_a)
    for url in (f"/followups/stores/{store}/rules/{store_a.rule.pk}/", f"/followups/stores/{store}/reassign/"):
        before = store_a.snapshot()
        client.post(url, _post_bodies(store_a)[0])
        assert store_a.snapshot() != before, url


def test_anonymous_visitors_get_nothing(client, store_a):
    problems = []
    for url, name in project_urls(store_a):
        for response in (client.get(url), client.post(url, {"store": store_a.store.code})):
            status = response.status_code
            to_login = status in (301, 302) and response["Location"].startswith(LOGIN_PREFIX)
            public = name in PUBLIC_URL_NAMES and status in (200, 400, 410, 429)
            # Monitoring reads /health without login: only ok flags and times, 503 while nothing ran.
            public = public or (name == "health" and status in (200, 503))
            if not (to_login or public or status in (401, 403, 404, 405)) or leaks(response, store_a):
                problems.append(f"{response.request['REQUEST_METHOD']} {url} ({name}): {status}")
    assert not problems, "\n".join(problems)


# --- (b) every API route of the OpenAPI schema ---------------------------------------------------

_QUERY_VALUES = {
    "q": lambda d: d.customer.name[:4],
    "store": lambda d: d.store.code,
    "customer": lambda d: d.customer.pk,
    "vehicle": lambda d: d.vehicle.pk,
    "plate": lambda d: d.vehicle.plate[:5],
    "vin": lambda d: d.vehicle.vin[-8:],
}


def api_operations(data: StoreA) -> list[tuple[str, str, str, dict]]:
    """(method, url, path template, operation) for every operation in the OpenAPI schema."""
    operations = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
        url = "/" + _fill(route, data, label=path)
        for method, operation in methods.items():
            query = {
                p["name"]: _QUERY_VALUES[p["name"]](data)
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p["name"] in _QUERY_VALUES
            }
            operations.append((method, url, path, {**operation, "_query": query}))
    return operations


def _call(client, method: str, url: str, operation: dict, data: StoreA):
    content = operation.get("requestBody", {}).get("content", {})
    query = operation["_query"]
    if method == "get":
        return client.get(url, query)
    if "multipart/form-data" in content:
        upload = {"file": _upload(), "store": data.store.code, "dry_run": "false"}
        return client.generic(method.upper(), url) if method != "post" else client.post(url, upload)
    body = {"field": "mobile", "name": "入侵者", "address": "被改了", "mobile": "13800000000"}
    schema = content.get("application/json", {}).get("schema")
    if schema:
        # A body the schema accepts, so the call reaches the view's store check instead of stopping at 422.
        body = {**body, **_example(schema, data)}
    return getattr(client, method)(url, body, content_type="application/json")


def _example(schema: dict, data: StoreA, name: str = ""):
    """A value valid for `schema`, naming store A wherever a store or an id is asked for."""
    components = api.get_openapi_schema()["components"]["schemas"]
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [o for o in schema[combined] if o.get("type") != "null"]
            return _example(options[0], data, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: _example(props[key], data, key) for key in schema.get("required", []) if key in props}
    if kind == "array":
        return [_example(schema.get("items", {}), data, name)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return data.task.pk if "task" in name else data.task.assigned_to_id if "user" in name else 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return timezone.now().isoformat()
    if schema.get("format") == "date":
        return timezone.localdate().isoformat()
    return data.store.code if name == "store" else "入侵者"


# GET routes that answer store A's director with figures, settings or their own queue and inbox, never a
# customer's name: the control below only asks them for a 200.
NO_CUSTOMER_PATHS = (
    "/api/appointments/stores/{store_id}/slots",
    "/api/workbench/queue",
    "/api/workbench/next",
    "/api/workbench/stores/{store}/",
    "/api/complaints/reasons",
    "/api/notifications/",
    "/api/operations/stores/{store_id}/lounge",
    "/api/operations/stores/{store_id}/staffing",
    "/api/operations/stores/{store_id}/customer-statistics",
    "/api/reports/",
    "/api/surveys/tasks/{task_id}/links",  # the link's state and dates, not who it is for
    "/api/surveys/stores/{store}/policy",
    "/api/privacy/stores/{store_id}/retention",  # store A's customer is active, so not on the list
    "/api/robots/stores/{store}/",  # the group robot's settings, secrets masked
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_api_route_shows_or_changes_another_stores_customers(
    client, store_a, store_b_customer, other_store, persona
):
    # given
    client.force_login(_persona(persona, other_store))
    before = store_a.snapshot()
    problems = []
    operations = api_operations(store_a)
    # when every operation is called with store A's ids and filters
    for method, url, path, operation in operations:
        response = _call(client, method, url, operation, store_a)
        what = f"{method.upper()} {url} ({operation.get('operationId')})"
        if "{" in path and response.status_code != 404:
            # Another store's object must look exactly like one that does not exist: never 403.
            problems.append(f"{what}: {response.status_code}, expected 404")
        elif response.status_code not in (200, 403, 404):
            problems.append(f"{what}: {response.status_code}, expected 200 without store A's data, 403 or 404")
        _check(response, store_a, what, problems)
        if store_a.snapshot() != before:
            problems.append(f"{what} changed store A's data")
            before = store_a.snapshot()
    # then
    assert not problems, "\n".join(problems)
    assert len(operations) >= 11


def test_api_routes_do_answer_store_a_users(client, store_a, director):
    """Control for the API walk: the same calls made by store A's director do reach store A's data."""
    client.force_login(director)
    reached = []
    for method, url, path, operation in api_operations(store_a):
        if method == "get":
            response = _call(client, method, url, operation, store_a)
            assert response.status_code == 200, url
            names_a_customer = not any(part in path for part in NO_CUSTOMER_PATHS)
            reached.append((path, bool(leaks(response, store_a)) or "imports" in path or not names_a_customer))
    missing = [path for path, ok in reached if not ok]
    assert not missing, "\n".join(missing)


# --- (c) group and region scopes -----------------------------------------------------------------


@pytest.fixture
def chain(db):
    """Group 华南 owns stores 1 and 2, group 华东 owns store 3; region 南区 has stores 1 and 3, 北区 store 2."""
    south_group, east_group = GroupFactory(name="华南集团"), GroupFactory(name="华东集团")
    south, north = RegionFactory(code="RS", name="南区"), RegionFactory(code="RN", name="北区")
    stores = [
        StoreFactory(code="C1", group=south_group, region=south),
        StoreFactory(code="C2", group=south_group, region=north),
        StoreFactory(code="C3", group=east_group, region=south),
    ]
    customers = {s.code: CustomerFactory(store=s, name=f"客户{s.code}") for s in stores}
    gm = UserFactory()
    Membership.objects.create(user=gm, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=south_group)
    oem = UserFactory()
    Membership.objects.create(user=oem, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=south)
    return {"gm": gm, "oem": oem, "customers": customers}


@pytest.mark.parametrize(("who", "expected"), [("gm", {"C1", "C2"}), ("oem", {"C1", "C3"})])
def test_group_and_region_roles_see_exactly_their_stores(client, chain, who, expected):
    # given
    user = chain[who]
    client.force_login(user)
    # when
    visible = set(stores_visible_to(user=user).values_list("code", flat=True))
    listed = {c["store"]["code"] for c in client.get("/api/archive/customers", {"q": "客户"}).json()["items"]}
    details = {code: client.get(f"/api/archive/customers/{c.pk}").status_code for code, c in chain["customers"].items()}
    # then
    assert visible == expected
    assert listed == expected
    assert details == {code: 200 if code in expected else 404 for code in ("C1", "C2", "C3")}


# --- (d) roles that do not call see masked numbers and may not reveal them ------------------------


@pytest.mark.parametrize("who", ["gm", "oem"])
def test_roles_that_do_not_call_see_masked_phones_and_cannot_reveal(client, chain, who):
    # given
    customer = chain["customers"]["C1"]
    customer.home_phone = "+862087654321"
    customer.save()
    client.force_login(chain[who])
    # when
    listed = client.get("/api/archive/customers", {"q": customer.name}).json()["items"]
    detail = client.get(f"/api/archive/customers/{customer.pk}").json()
    reveal = client.post(
        f"/api/archive/customers/{customer.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
    )
    # then
    assert listed[0]["mobile"] == mask_phone(customer.mobile)
    assert (detail["mobile"], detail["home_phone"]) == (mask_phone(customer.mobile), "020****4321")
    assert detail["may_reveal_phone"] is False
    assert national_digits(customer.mobile) not in json.dumps(detail)
    assert reveal.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


# --- (e) a user with a higher role in another store gains nothing in this one ----------------------

# Index pages (no store A id in the path) rightly differ: they open the other store, where the user has the
# higher role. Every URL naming one of store A's objects must answer the mixed user exactly as it answers a
# user holding only the lower role in store A.
_DENIED = (401, 403, 404, 405, 410)


def _outcome(client, user, method: str, url: str, data: StoreA, send) -> tuple[str, bool]:
    """'allowed' / 'denied' / 'redirect <to>' and whether store A's data changed; every change is rolled back,
    so both users meet the same store A."""
    client.force_login(user)
    before = data.snapshot()
    with transaction.atomic():
        response = send()
        changed = data.snapshot() != before
        transaction.set_rollback(True)
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        kind = f"redirect {response['Location']}"
    else:
        kind = "denied" if status in _DENIED or status == 422 else f"{status}"
    return kind, changed


@pytest.mark.parametrize("low", [Role.SALES_MANAGER])
def test_a_higher_role_in_another_store_gives_nothing_in_this_one(client, store_a, other_store, low):
    # given a user who is the store's `low` role here and its administrator and care director in store B,
    # and a user who is only the `low` role here
    only = member(store_a.store, low)
    mixed = member(store_a.store, low)
    for role in (Role.ADMIN, Role.CARE_DIRECTOR):
        Membership.objects.create(user=mixed, role=role, scope=Scope.STORE, store=other_store)
    body = _post_bodies(store_a)[0]
    problems = []
    # when both read and post to every URL that names one of store A's objects
    for url, name in project_urls(store_a):
        if url.rstrip("/").count("/") < 2 or not re.search(
            rf"/({store_a.store.pk}|{store_a.store.code})(/|$)|/\d+(/|$)", url
        ):
            continue
        for method in ("GET", "POST"):

            def send(url=url, method=method):
                return client.get(url) if method == "GET" else client.post(url, body)

            seen = {
                who: _outcome(client, user, method, url, store_a, send)
                for who, user in (("only", only), ("mixed", mixed))
            }
            if seen["mixed"] != seen["only"]:
                problems.append(
                    f"{method} {url} ({name}): {low} only {seen['only']}, with store B roles {seen['mixed']}"
                )
    # and call every API operation with store A's ids
    for method, url, path, operation in api_operations(store_a):

        def call(method=method, url=url, operation=operation):
            return _call(client, method, url, operation, store_a)

        seen = {
            who: _outcome(client, user, method, url, store_a, call) for who, user in (("only", only), ("mixed", mixed))
        }
        if seen["mixed"] != seen["only"] and "{" in path:
            problems.append(f"{method.upper()} {url}: {low} only {seen['only']}, with store B roles {seen['mixed']}")
    # then the roles held in store B change nothing here
    assert not problems, "\n".join(problems)


# --- (f) roles that do not call never read a full number, on any page, export, PDF or route ---------------


def _full_numbers(data: StoreA) -> list[str]:
    phones = (data.customer.mobile, data.customer.home_phone, data.contact.phone)
    return [form for phone in phones for form in (national_digits(phone), display_phone(phone))]


def _non_caller(kind: str, store):
    if kind == "sales_manager":
        return member(store, Role.SALES_MANAGER)
    user = UserFactory()
    if kind == "group_manager":
        Membership.objects.create(user=user, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=store.group)
    else:
        Membership.objects.create(user=user, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    return user


@pytest.mark.parametrize("kind", ["sales_manager", "group_manager", "oem_regional"])
def test_roles_that_do_not_call_never_read_a_full_number_anywhere(client, store_a, kind):
    # given a user of store A's own chain whose role does not call customers
    client.force_login(_non_caller(kind, store_a.store))
    full = _full_numbers(store_a)
    problems = []
    # when every page (exports and PDFs included) and every API read is fetched, and every reveal is asked for
    for url, name in project_urls(store_a):
        response = client.get(url, follow=True)
        problems += [f"GET {url} ({name}) shows {n}" for n in full if n in response_text(response)]
        if "reveal" in (name or ""):
            response = client.post(url, {"field": "mobile"})
            if response.status_code < 400 or any(n in response_text(response) for n in full):
                problems.append(f"POST {url} ({name}): {response.status_code}")
    for method, url, _path, operation in api_operations(store_a):
        if method == "get":
            text = response_text(_call(client, method, url, operation, store_a))
            problems += [f"GET {url} shows {n}" for n in full if n in text]
    # then no full number anywhere, and no reveal was logged
    assert not problems, "\n".join(problems)
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE).exists()


def test_the_full_number_walk_finds_a_revealed_number(client, store_a, director):
    """Control for (f): a reveal by store A's director does answer the full number the walk looks for."""
    client.force_login(director)
    response = client.post(f"/archive/customers/{store_a.customer.pk}/reveal/mobile/")
    assert display_phone(store_a.customer.mobile) in response_text(response)
    assert display_phone(store_a.customer.mobile) in _full_numbers(store_a)
