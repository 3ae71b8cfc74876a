"""The call screen's reads of a task's customer as plain rows, in one statement (issue 18).

The screen shows the repair order's lines, the company car's people, the earlier calls and the complaints: four
statements and some twenty model instances a request, when it only shows values. Here they are one
`UNION ALL` (a branch per kind, each numbered in its own order, every column of one type in every branch),
a constant string built once per process, values as parameters; each row becomes a small named tuple that
carries what the screen and precall_flags read of it. selectors.precall_for's model instances (the API's)
stay the reference: tests/workbench/test_precall_read.py compares the two.
"""

import decimal
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

from django.db import connection

from huifang.archive.models import Contact, RepairOrderLine
from huifang.complaints.models import Complaint
from huifang.surveys.models import SurveyLink

from .models import CallRecord

LINE, CONTACT, CALL, COMPLAINT, SURVEY_LINK = range(5)


def _display(model, field: str):
    choices = dict(model._meta.get_field(field).flatchoices)
    return lambda value: str(choices.get(value, value))


_role_display = _display(Contact, "role")
_status_display = _display(Complaint, "status")


class LineRow(NamedTuple):
    pk: int
    kind: str
    description: str
    quantity: decimal.Decimal
    amount: decimal.Decimal


class ContactRow(NamedTuple):
    pk: int
    role: str
    name: str
    phone: str
    department: str
    extension: str

    def get_role_display(self) -> str:
        return _role_display(self.role)


class CallRow(NamedTuple):
    pk: int
    outcome: str
    comment: str
    score: decimal.Decimal | None
    ended_at: datetime


class ComplaintRow(NamedTuple):
    pk: int
    number: str
    status: str
    content: str
    received_at: datetime
    is_major: bool

    def get_status_display(self) -> str:
        return _status_display(self.status)


# Columns: kind of row, its place in its own order, id, five texts, two decimals, a time, a flag.
_NULL = {"t": "CAST(NULL AS text)", "n": "CAST(NULL AS numeric)", "d": "CAST(NULL AS timestamptz)"}
_FLAG_NULL = "CAST(NULL AS boolean)"


@cache
def _sql() -> str:
    t, n, d, f = _NULL["t"], _NULL["n"], _NULL["d"], _FLAG_NULL
    branches = [
        f"SELECT {LINE} AS k, ROW_NUMBER() OVER (ORDER BY position, id) AS o, id, kind, description, {t}, {t}, {t},"
        f" quantity, amount, {d}, {f} FROM {RepairOrderLine._meta.db_table} WHERE repair_order_id = %s",
        f"SELECT {CONTACT}, ROW_NUMBER() OVER (ORDER BY role, name, id), id, role, name, phone, department,"
        f" extension, {n}, {n}, {d}, {f} FROM {Contact._meta.db_table} WHERE customer_id = %s",
        # The newest calls only (selectors.EARLIER_CALLS), as the ORM's LIMIT gave them.
        f"SELECT * FROM (SELECT {CALL} AS k, ROW_NUMBER() OVER (ORDER BY ended_at DESC, id DESC) AS o, id,"
        f" outcome, comment, {t}, {t}, {t}, score, {n}, ended_at, {f} FROM {CallRecord._meta.db_table}"
        " WHERE customer_id = %s) AS calls WHERE o <= %s",
        f"SELECT {COMPLAINT}, ROW_NUMBER() OVER (ORDER BY received_at DESC, id DESC), id, number, status, content,"
        f" {t}, {t}, {n}, {n}, received_at, is_major FROM {Complaint._meta.db_table} WHERE customer_id = %s",
        # Only whether the task has a survey link: without one the survey box is the same for every task
        # (surveys.box), and its own read is saved.
        f"SELECT * FROM (SELECT {SURVEY_LINK} AS k, 1 AS o, id, {t}, {t}, {t}, {t}, {t}, {n}, {n}, {d}, {f}"
        f" FROM {SurveyLink._meta.db_table} WHERE task_id = %s ORDER BY id LIMIT 1) AS links",
    ]
    return " UNION ALL ".join(branches) + " ORDER BY 1, 2"


# SQLite hands back times as text and decimals as numbers: made into what Django's own converters make
# (aware UTC datetimes; decimals from a 15-digit context quantized to the field's places).
_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float


def _decimal(field):
    places, context = decimal.Decimal(1).scaleb(-field.decimal_places), field.context
    return lambda value: None if value is None else _FROM_FLOAT(value).quantize(places, context=context)


def _time(value):
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


_QUANTITY = _decimal(RepairOrderLine._meta.get_field("quantity"))
_AMOUNT = _decimal(RepairOrderLine._meta.get_field("amount"))
_SCORE = _decimal(CallRecord._meta.get_field("score"))


def precall_rows(*, task_id: int, repair_order_id: int | None, customer_id: int, calls: int) -> dict:
    """{"lines", "contacts", "calls", "complaints"} of the task's repair order and customer, each in the
    order selectors.precall_for reads them, the calls cut to the newest `calls`; "survey_link": whether the
    task has a survey link."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [repair_order_id or 0, customer_id, customer_id, calls, customer_id, task_id])
        rows = cursor.fetchall()
    sqlite = connection.vendor == "sqlite"
    lines, contacts, earlier, complaints, survey_link = [], [], [], [], False
    for k, _o, pk, t1, t2, t3, t4, t5, n1, n2, at, flag in rows:
        if k == LINE:
            if sqlite:
                n1, n2 = _QUANTITY(n1), _AMOUNT(n2)
            lines.append(LineRow(pk, t1, t2, n1, n2))
        elif k == CONTACT:
            contacts.append(ContactRow(pk, t1, t2, t3, t4, t5))
        elif k == CALL:
            earlier.append(CallRow(pk, t1, t2, _SCORE(n1) if sqlite else n1, _time(at) if sqlite else at))
        elif k == COMPLAINT:
            complaints.append(ComplaintRow(pk, t1, t2, t3, _time(at) if sqlite else at, bool(flag)))
        else:
            survey_link = True
    return {
        "lines": lines,
        "contacts": contacts,
        "calls": earlier,
        "complaints": complaints,
        "survey_link": survey_link,
    }
