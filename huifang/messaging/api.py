"""Consent JSON API: read a customer's consent state and history, record a change.

The customer is fetched through the caller's stores, so another store's customer answers 404."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer
from huifang.archive.selectors import customers_visible_to
from huifang.core import clock
from huifang.core.api_errors import ErrorOut, ValidationErrorOut, invalid

from . import consent
from .choices import ConsentSource

router = Router(tags=["messaging 消息与授权"])
HISTORY_LIMIT = 200


class ConsentStateOut(Schema):
    channel: str
    purpose: str
    granted: bool


class ConsentRecordOut(Schema):
    id: int
    channel: str
    purpose: str
    state: str
    source: str
    at: datetime
    recorded_by: str | None
    note: str


class ConsentOut(Schema):
    customer_id: int
    marketing_consent: bool
    states: list[ConsentStateOut]
    history: list[ConsentRecordOut]


class ConsentIn(Schema):
    channel: str
    purpose: str
    state: str
    note: str = ""


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _customer(request, customer_id: int) -> Customer:
    return get_object_or_404(customers_visible_to(user=request.auth).select_related("store"), pk=customer_id)


def _out(customer: Customer) -> dict:
    customer.refresh_from_db(fields=["marketing_consent"])
    states = consent.consent_states(customer=customer)
    return {
        "customer_id": customer.pk,
        "marketing_consent": customer.marketing_consent,
        "states": [{"channel": c, "purpose": p, "granted": given} for (c, p), given in states.items()],
        "history": [
            {
                "id": r.pk,
                "channel": r.channel,
                "purpose": r.purpose,
                "state": r.state,
                "source": r.source,
                "at": r.at,
                "recorded_by": str(r.recorded_by) if r.recorded_by else None,
                "note": r.note,
            }
            for r in consent.consent_history(customer=customer)[:HISTORY_LIMIT]
        ],
    }


@router.get(
    "/customers/{customer_id}/consent",
    response={200: ConsentOut, **ERRORS},
    operation_id="messaging_consent_get",
    url_name="messaging_consent",
    summary="授权状态 / Consent state and history",
    description="The current state per channel (phone, sms, email, letter) and purpose, and the history newest first.",
)
def consent_get(request, customer_id: int):
    return _out(_customer(request, customer_id))


@router.post(
    "/customers/{customer_id}/consent",
    response={200: ConsentOut, **ERRORS},
    operation_id="messaging_consent_record",
    url_name="messaging_consent",
    summary="记录授权变更 / Record a consent change",
    description="Roles that edit the archive record a statement (source `api`); repeating the state writes nothing.",
)
def consent_post(request, customer_id: int, payload: ConsentIn):
    customer = _customer(request, customer_id)
    if not has_role(user=request.auth, store=customer.store, roles=ROLES_THAT_EDIT_ARCHIVE):
        raise HttpError(403, "Your role may not change consent in this store.")
    try:
        consent.consent_record(
            customer=customer,
            channel=payload.channel,
            purpose=payload.purpose,
            state=payload.state,
            note=payload.note,
            source=ConsentSource.API,
            actor=request.auth,
            now=clock.now(),
        )
    except ValidationError as exc:
        return invalid(exc)
    return _out(customer)
