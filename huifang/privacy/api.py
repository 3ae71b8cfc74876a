"""Privacy JSON API: a customer's data (logged export), erasure, the access log and the retention list.

Customers and stores are fetched among the stores where the caller is care director or admin, so another
store's id (or a caller without that role) answers 404."""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.errors import HttpError

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core import clock
from huifang.core.api_errors import ErrorOut, ValidationErrorOut, invalid, invalid_fields

from . import defaults, export, selectors, services
from .choices import LOGGED_ACTIONS, RequestKind
from .models import DataRightsRequest
from .schemas import EraseIn, EraseOut, ExportOut, LogFilter, LogPageOut, RetentionOut

router = Router(tags=["privacy 个人信息保护"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
SH = ZoneInfo("Asia/Shanghai")


def _customer(request, customer_id: int):
    return get_object_or_404(selectors.customers_for(user=request.auth), pk=customer_id)


@router.get("/customers/{customer_id}/data", response={200: ExportOut, **ERRORS})
def customer_data(request, customer_id: int):
    """Everything held about the customer as JSON (the export is logged like the zip download)."""
    customer = _customer(request, customer_id)
    data = export.customer_data(customer=customer)
    now = clock.now()
    rows = {key: len(block["rows"]) for key, block in data.items() if block["rows"]}
    with transaction.atomic():
        DataRightsRequest.objects.create(
            store_id=customer.store_id,
            customer=customer,
            kind=RequestKind.EXPORT,
            at=now,
            actor=request.auth,
            counts=rows,
        )
        audit_record(
            obj=customer,
            action=AuditAction.EXPORT,
            at=now,
            actor=request.auth,
            source="api",
            changes={"data_rights_export": rows},
        )
    return {"customer_id": customer.pk, "data": {key: block["rows"] for key, block in data.items()}}


@router.post("/customers/{customer_id}/erase", response={200: EraseOut, **ERRORS})
def customer_erase(request, customer_id: int, payload: EraseIn):
    """Anonymise the customer; the reason is required and kept in the log."""
    customer = _customer(request, customer_id)
    try:
        counts = services.customer_erase(customer=customer, reason=payload.reason, actor=request.auth, now=clock.now())
    except ValidationError as exc:
        return invalid(exc)
    rows = sum(n for key, n in counts.items() if not key.startswith("masked:"))
    return {"customer_id": customer.pk, "rows": rows, "counts": counts}


@router.get("/access-log", response={200: LogPageOut, **ERRORS})
def access_log(request, filters: Query[LogFilter]):
    """Reveals of full numbers, exports and erasures in the caller's stores, newest first, paged."""
    if not selectors.privacy_stores_for(user=request.auth).exists():
        raise HttpError(403, "Only care directors and administrators read the access log.")
    if filters.action and filters.action not in LOGGED_ACTIONS:
        return invalid_fields({"action": f"action must be one of {', '.join(LOGGED_ACTIONS)}"})
    store = None
    if filters.store_id is not None:
        store = get_object_or_404(selectors.privacy_stores_for(user=request.auth), pk=filters.store_id)
    entries = selectors.access_log_for(
        user=request.auth,
        store=store,
        actor_id=filters.actor_id,
        action=filters.action,
        since=filters.since,
        until=filters.until,
        tz=SH,
    )
    paginator = Paginator(entries, defaults.LOG_PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "store_id": e.store_id,
                "actor": e.actor.username if e.actor else "",
                "action": e.action,
                "record": e.object_repr,
                "changes": e.changes if isinstance(e.changes, dict) else {},
            }
            for e in page
        ],
    }


@router.get("/stores/{store_id}/retention", response={200: list[RetentionOut], **ERRORS})
def retention(request, store_id: int):
    """The store's customers past the retention period, oldest activity first (first page)."""
    store = get_object_or_404(selectors.privacy_stores_for(user=request.auth), pk=store_id)
    rows = selectors.retention_candidates(store=store, now=clock.now())[: defaults.RETENTION_PAGE_SIZE]
    return [{"id": c.pk, "name": c.name, "last_activity": c.last_activity} for c in rows]
