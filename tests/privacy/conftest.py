"""A customer with personal data in every corner of the database, for the erasure and export tests."""

import contextlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from huifang.accounts.choices import Role
from huifang.archive.choices import ContactRole, CustomerKind
from huifang.archive.models import Contact, ImportBatch, ImportRejection, MileageReading, RepairOrderLine
from huifang.archive.search_keys import name_initials, name_pinyin, phone_digits
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.complaints.models import ComplaintEvent
from huifang.followups.choices import AttemptOutcome
from huifang.messaging.consent import consent_record
from huifang.messaging.models import ChannelOptOut, OutboxMessage
from huifang.notifications.models import Notification
from huifang.operations.models import ClubEvent, ClubLevel, ClubMember, EventSignup
from huifang.surveys.models import SurveyLink
from huifang.workbench.models import Answer, Problem

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member
from ..reports.conftest import october  # noqa: F401  (the hand-built October month of the KPI tests)
from ..reports.factories import ComplaintFactory, TaskFactory, attempt, call

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SH)

NAME = "欧阳娜娜"
MOBILE = "+8613812345678"
PHONE_FORMS = ("13812345678", "+8613812345678", "138 1234 5678")
PLATE = "粤B8K8K8"
VIN = "LSVAB6NE0R9876543"
CONTACT_NAME = "司马懿飞"
CONTACT_PHONE = "+8613987654321"
EMAIL = "ouyang.nana@example.cn"
ID_NUMBER = "440301199001011234"


def searched_values() -> list[str]:
    return [*PHONE_FORMS, PLATE, VIN, NAME, CONTACT_NAME, "13987654321", EMAIL, ID_NUMBER]


def dump_database() -> str:
    """Every column of every table, as text; JSON is decoded too, so "\\u6b27..." escapes are searched as text."""
    import json

    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "replace")
                    text = value if isinstance(value, str) else (json.dumps(value, ensure_ascii=False, default=str))
                    parts.append(text)
                    if text[:1] in '[{"':
                        with contextlib.suppress(ValueError):
                            parts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(parts)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def director(store):
    return member(store, Role.CARE_DIRECTOR, username="director")


@pytest.fixture
def other_director(other_store):
    return member(other_store, Role.CARE_DIRECTOR, username="other_director")


@pytest.fixture
def person(store, director):
    """The customer asking to be erased, written into every kind of record (and some loose text)."""
    customer = CustomerFactory(
        store=store,
        kind=CustomerKind.COMPANY,
        name=NAME,
        mobile=MOBILE,
        home_phone="+861065529988",
        email=EMAIL,
        id_number=ID_NUMBER,
        address="深圳市南山区科技园南路88号",
        birthday=date(1990, 6, 15),
        occupation="教师",
        dms_code="DMS-777",
        best_contact_time="晚上",
        name_pinyin=name_pinyin(NAME),
        name_initials=name_initials(NAME),
        phone_digits=phone_digits(MOBILE, "+861065529988"),
    )
    Contact.objects.create(customer=customer, role=ContactRole.DRIVER, name=CONTACT_NAME, phone=CONTACT_PHONE)
    vehicle = VehicleFactory(customer=customer, store=store, plate=PLATE, vin=VIN)
    ro = RepairOrderFactory(
        vehicle=vehicle,
        opened_at=datetime(2026, 10, 5, 9, tzinfo=SH),
        fault_description=f"客户{NAME}来电 138 1234 5678,车牌{PLATE}异响",
        advisor=member(store, Role.SERVICE_ADVISOR, username="adv"),
    )
    RepairOrderLine.objects.create(repair_order=ro, description="更换机油", amount=300)
    MileageReading.objects.create(vehicle=vehicle, read_on=date(2026, 10, 5), km=12000, source="repair_order")
    task = TaskFactory(customer=customer, vehicle=vehicle, repair_order=ro, due_at=datetime(2026, 10, 6, 9, tzinfo=SH))
    first = attempt(task, datetime(2026, 10, 6, 10, tzinfo=SH), AttemptOutcome.SOMEONE_ELSE)
    first.note = f"接电话的是{CONTACT_NAME},说{NAME}晚上在家,打13812345678"
    first.save()
    record = call(task, datetime(2026, 10, 7, 10, tzinfo=SH), answers={"overall": 9, "reception": 5, "come_back": 1})
    record.comment = f"{NAME}很满意,手机 +86 138 1234 5678"
    record.save()
    Answer.objects.filter(call=record, question__code="overall").update(text=f"{NAME}说服务好")
    Problem.objects.create(
        store=store,
        call=record,
        customer=customer,
        description=f"{NAME}反映洗车不干净",
        created_at=datetime(2026, 10, 7, 11, tzinfo=SH),
    )
    complaint = ComplaintFactory(
        store=store,
        customer=customer,
        vehicle=vehicle,
        repair_order=ro,
        customer_name=NAME,
        phone=MOBILE,
        plate=PLATE,
        vin=VIN,
        content=f"{NAME}投诉:车牌{PLATE}三次返修,电话13812345678",
        source_answers=[{"question": "整体满意度", "answer": f"{NAME}: 3"}],
        received_at=datetime(2026, 10, 8, 9, tzinfo=SH),
    )
    ComplaintEvent.objects.create(
        complaint=complaint, at=datetime(2026, 10, 8, 10, tzinfo=SH), kind="action", note=f"已联系{NAME} 13812345678"
    )
    audit_record(obj=complaint, action=AuditAction.CREATE, at=NOW - timedelta(days=40), actor=director)
    audit_record(
        obj=customer,
        action=AuditAction.UPDATE,
        at=NOW - timedelta(days=30),
        actor=director,
        changes={"mobile": ["+8613800000000", MOBILE], "name": ["欧阳", NAME], "gender": ["", "F"]},
    )
    OutboxMessage.objects.create(
        store=store,
        customer=customer,
        channel="sms",
        purpose="service",
        to_address=MOBILE,
        body=f"{NAME}您好,您的爱车{PLATE}保养已完成",
        not_before=NOW - timedelta(days=20),
        idempotency_key=f"greeting:{customer.pk}",
    )
    ChannelOptOut.objects.create(store=store, customer=customer, channel="sms", at=NOW, source="in_store")
    # Today's other records naming the customer: a consent statement and a survey link.
    consent_record(
        customer=customer,
        channel="email",
        purpose="marketing",
        state="granted",
        source="front_desk",
        actor=director,
        now=NOW,
        note=f"{NAME}本人到店签字同意,电话13812345678",
    )
    SurveyLink.objects.create(
        store=store, task=task, customer=customer, nonce="n" * 32, created_at=NOW, expires_at=NOW + timedelta(days=7)
    )
    level = ClubLevel.objects.create(store=store, name="金卡")
    club_member = ClubMember.objects.create(store=store, customer=customer, level=level, joined_on=date(2026, 1, 1))
    event = ClubEvent.objects.create(
        store=store, kind="self_drive", title="自驾游", starts_at=NOW, capacity=10, created_by=director, created_at=NOW
    )
    EventSignup.objects.create(
        event=event, member=club_member, status="confirmed", source="front_desk", signed_up_at=NOW
    )
    # Loose text that names the customer without a foreign key: a notification and an import log.
    Notification.objects.create(
        user=director, store=store, created_at=NOW, title=f"投诉升级:{NAME}", body=f"{PLATE} 13812345678", key="k1"
    )
    batch = ImportBatch.objects.create(store=store, filename="dms.csv")
    ImportRejection.objects.create(batch=batch, row_number=3, field="mobile", value="138 1234 5678", reason="重复")
    return customer
