"""The call screen's reads of a task's customer as plain rows, in one statement (issue 18).

The screen shows the repair order's lines, the company car's people, the earlier calls and the complaints: four
statements and some twenty model instances a request, when it only shows values. Here they are one
`UNION ALL` (a branch per kind, each numbered in its own order, every column of one type in every branch),
a constant string built once per process, values as parameters; each row becomes a small named tuple that
carries what the screen and precall_flags read of it. selectors.precall_for's model instances (the API's)
stay the reference: tests/workbench/test_precall_read.py compares the two.
"""

import decimal
import json
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connection

from huifang.accounts.models import Store
from huifang.archive.models import Contact, Customer, RepairOrderLine
from huifang.complaints.models import Complaint
from huifang.core.choice_labels import choice_label
from huifang.surveys.models import SurveyLink

from .models import CallRecord, Problem

LINE, CONTACT, CALL, COMPLAINT, SURVEY_LINK, SAVED_CALL, PROBLEM = range(7)


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
        return choice_label(Contact, "role", self.role)


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
        return choice_label(Complaint, "status", self.status)


class SavedCall:
    """The call the "saved" notice names, with what the notice and the access rule read of it."""

    __slots__ = ("pk", "outcome", "score", "issue_reasons", "caller_id", "customer", "complaint", "store")

    def __init__(self, pk, outcome, score, issue_reasons, caller_id, customer, complaint, store):
        self.pk, self.outcome, self.score, self.issue_reasons = pk, outcome, score, issue_reasons
        self.caller_id, self.customer, self.complaint, self.store = caller_id, customer, complaint, store

    def get_outcome_display(self) -> str:
        return choice_label(CallRecord, "outcome", self.outcome)


class ProblemRow(NamedTuple):
    pk: int
    description: str


# Columns: kind of row, its place in its own order, id, five texts, two decimals, a time, a flag, five ids.
_NULL = {"t": "CAST(NULL AS text)", "n": "CAST(NULL AS numeric)", "d": "CAST(NULL AS timestamptz)"}
_FLAG_NULL = "CAST(NULL AS boolean)"
_IDS_NULL = ", ".join(["CAST(NULL AS bigint)"] * 5)


@cache
def _sql(saved: bool) -> str:
    t, n, d, f, i = _NULL["t"], _NULL["n"], _NULL["d"], _FLAG_NULL, _IDS_NULL
    branches = [
        f"SELECT {LINE} AS k, ROW_NUMBER() OVER (ORDER BY position, id) AS o, id, kind, description, {t}, {t}, {t},"
        f" quantity, amount, {d}, {f}, {i} FROM {RepairOrderLine._meta.db_table} WHERE repair_order_id = %s",
        f"SELECT {CONTACT}, ROW_NUMBER() OVER (ORDER BY role, name, id), id, role, name, phone, department,"
        f" extension, {n}, {n}, {d}, {f}, {i} FROM {Contact._meta.db_table} WHERE customer_id = %s",
        # The newest calls only (selectors.EARLIER_CALLS), as the ORM's LIMIT gave them.
        f"SELECT * FROM (SELECT {CALL} AS k, ROW_NUMBER() OVER (ORDER BY ended_at DESC, id DESC) AS o, id,"
        f" outcome, comment, {t}, {t}, {t}, score, {n}, ended_at, {f}, {i} FROM {CallRecord._meta.db_table}"
        " WHERE customer_id = %s) AS calls WHERE o <= %s",
        f"SELECT {COMPLAINT}, ROW_NUMBER() OVER (ORDER BY received_at DESC, id DESC), id, number, status, content,"
        f" {t}, {t}, {n}, {n}, received_at, is_major, {i} FROM {Complaint._meta.db_table} WHERE customer_id = %s",
        # Only whether the task has a survey link: without one the survey box is the same for every task
        # (surveys.box), and its own read is saved.
        f"SELECT * FROM (SELECT {SURVEY_LINK} AS k, 1 AS o, id, {t}, {t}, {t}, {t}, {t}, {n}, {n}, {d}, {f}, {i}"
        f" FROM {SurveyLink._meta.db_table} WHERE task_id = %s ORDER BY id LIMIT 1) AS links",
    ]
    if saved:
        # The call a "Save and next" just saved (selectors.saved_call's two reads), its store's ids for the access
        # rule, its complaint; then its problem records in their model's order.
        branches += [
            f"SELECT {SAVED_CALL}, 1, c.id, c.outcome, cu.name, CAST(c.issue_reasons AS text), co.number,"
            f" co.customer_name, c.score, {n}, {d}, {f}, c.caller_id, s.id, s.group_id, s.region_id, co.id"
            f" FROM {CallRecord._meta.db_table} c JOIN {Store._meta.db_table} s ON s.id = c.store_id"
            f" JOIN {Customer._meta.db_table} cu ON cu.id = c.customer_id"
            f" LEFT JOIN {Complaint._meta.db_table} co ON co.id = c.complaint_id WHERE c.id = %s",
            f"SELECT {PROBLEM}, ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC), id, description, {t}, {t},"
            f" {t}, {t}, {n}, {n}, {d}, {f}, {i} FROM {Problem._meta.db_table} WHERE call_id = %s",
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


def precall_rows(
    *, task_id: int, repair_order_id: int | None, customer_id: int, calls: int, saved_call_id: int | None = None
) -> dict:
    """{"lines", "contacts", "calls", "complaints"} of the task's repair order and customer, each in the
    order selectors.precall_for reads them, the calls cut to the newest `calls`; "survey_link": whether the
    task has a survey link; with `saved_call_id`, "saved_call" (a SavedCall, or None when there is no such
    call) and its "problems" (not yet checked against the user: selectors.saved_call_of_rows does)."""
    params = [repair_order_id or 0, customer_id, customer_id, calls, customer_id, task_id]
    if saved_call_id is not None:
        params += [saved_call_id, saved_call_id]
    with connection.cursor() as cursor:
        cursor.execute(_sql(saved_call_id is not None), params)
        rows = cursor.fetchall()
    sqlite = connection.vendor == "sqlite"
    lines, contacts, earlier, complaints, survey_link = [], [], [], [], False
    saved, problems = None, []
    for k, _o, pk, t1, t2, t3, t4, t5, n1, n2, at, flag, *ids in rows:
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
        elif k == SURVEY_LINK:
            survey_link = True
        elif k == SAVED_CALL:
            caller_id, store_id, group_id, region_id, complaint_id = ids
            # An unsaved complaint standing for the row: the notice shows it as its model's __str__ does.
            complaint = None if complaint_id is None else Complaint(pk=complaint_id, number=t4, customer_name=t5)
            saved = SavedCall(
                pk,
                t1,
                _SCORE(n1) if sqlite else n1,
                json.loads(t3) if isinstance(t3, str) else t3,
                caller_id,
                SimpleNamespace(name=t2),
                complaint,
                SimpleNamespace(pk=store_id, group_id=group_id, region_id=region_id),
            )
        else:
            problems.append(ProblemRow(pk, t1))
    return {
        "lines": lines,
        "contacts": contacts,
        "calls": earlier,
        "complaints": complaints,
        "survey_link": survey_link,
        "saved_call": saved,
        "problems": problems,
    }
