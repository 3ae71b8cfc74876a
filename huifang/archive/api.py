"""Archive JSON API: search, the customer 360 read, phone reveal, corrections, repair orders, DMS import.

Every object is fetched through a store-scoped selector, so another store's id answers 404 exactly
like an id that does not exist; 403 only means "you see this store but your role may not do that".
"""


from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Query, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import has_role, may_reveal_phone
from huifang.core import clock
from huifang.core.api_params import MAX_OFFSET, Day, RowId

from . import api_selectors, selectors, services
from .importing.services import import_batch_create, import_batch_start, import_progress
from .models import ImportBatch
from .schemas import (
    AuditPage,
    ContactRevealOut,
    CustomerDetail,
    CustomerPage,
    CustomerPatch,
    ErrorOut,
    ImportBatchOut,
    ImportCreated,
    ImportRejectionPage,
    RepairOrderPage,
    RevealIn,
    RevealOut,
    ValidationErrorOut,
    VehicleDetail,
    VehiclePage,
)

router = Router(tags=["archive 顾客档案"])

PAGE_DEFAULT = 20
PAGE_MAX = 100
NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
UNAUTHENTICATED = {401: ErrorOut}
INVALID = {422: ValidationErrorOut}
# Nullable fields a correction may clear by sending null; any other null is ignored.
_CLEARABLE = frozenset({"birthday"})


def _page(limit: int, offset: int) -> dict:
    return {"limit": limit, "offset": offset}


def _customer(request, customer_id: int):
    customer = get_object_or_404(api_selectors.customer_detail_for(user=request.auth), pk=customer_id)
    customer.may_reveal_phone = may_reveal_phone(user=request.auth, store=customer.store)
    customer.may_edit = has_role(user=request.auth, store=customer.store, roles=ROLES_THAT_EDIT_ARCHIVE)
    return customer


@router.get(
    "/customers",
    response={200: CustomerPage, **UNAUTHENTICATED, **NOT_FOUND, **INVALID},
    operation_id="archive_customer_search",
    summary="搜索客户 / Search customers",
    description="By name (Chinese, pinyin or initials: `zs` finds 张三), phone in any format, plate or VIN. "
    "`store` (a store code) narrows to one visible store; an unknown or invisible code gives 404.",
    url_name="archive_customer_search",
)
def customer_search(
    request,
    q: str = "",
    store: str | None = None,
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    chosen = None
    if store:
        chosen = api_selectors.store_for_user(user=request.auth, code=store)
        if chosen is None:
            raise HttpError(404, "Not Found")
    total, hits = api_selectors.customer_search_page(
        user=request.auth, query=q, store=chosen, limit=limit, offset=offset
    )
    return {"count": total, "items": hits, **_page(limit, offset)}


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerDetail, **UNAUTHENTICATED, **NOT_FOUND},
    operation_id="archive_customer_detail",
    summary="客户档案 / Customer 360",
    description="Basic data, company-car contacts and vehicles with derived figures. Phones are always masked.",
    url_name="archive_customer_detail",
)
def customer_detail(request, customer_id: int):
    return _customer(request, customer_id)


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="archive_customer_update",
    summary="更正客户资料 / Correct basic data",
    description="Only roles that edit the archive in the customer's store. Phones in any written form; "
    "a bad value answers 422 naming the field. Every change is audited.",
    url_name="archive_customer_update",
)
def customer_update(request, customer_id: int, payload: CustomerPatch):
    customer = _customer(request, customer_id)
    if not customer.may_edit:
        raise HttpError(403, "此角色不能修改客户资料 / your role may not edit the archive in this store")
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in _CLEARABLE}
    services.customer_update(customer=customer, actor=request.auth, now=clock.now(), via="api", **values)
    return _customer(request, customer_id)


@router.post(
    "/customers/{customer_id}/reveal-phone",
    response={200: RevealOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="archive_customer_reveal_phone",
    summary="查看完整号码 / Reveal a full phone number",
    description="Only roles that call customers in the customer's store; every reveal is logged (PIPL).",
    url_name="archive_customer_reveal_phone",
)
def customer_reveal_phone(request, customer_id: int, payload: RevealIn):
    customer = _customer(request, customer_id)
    if not customer.may_reveal_phone:
        raise HttpError(403, "此角色不能查看完整号码 / your role may not see full phone numbers")
    number = services.phone_reveal(
        customer=customer, field=payload.field, actor=request.auth, now=clock.now(), source="api"
    )
    return {"field": payload.field, "number": number}


@router.post(
    "/customers/{customer_id}/contacts/{contact_id}/reveal-phone",
    response={200: ContactRevealOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="archive_contact_reveal_phone",
    summary="查看联系人完整号码 / Reveal a company contact's phone number",
    description="The driver's or fleet manager's number of a company customer; same rule and log as the customer's own.",
    url_name="archive_contact_reveal_phone",
)
def contact_reveal_phone(request, customer_id: int, contact_id: int):
    customer = _customer(request, customer_id)
    contact = get_object_or_404(customer.contacts.select_related("customer"), pk=contact_id)
    if not customer.may_reveal_phone:
        raise HttpError(403, "此角色不能查看完整号码 / your role may not see full phone numbers")
    number = services.contact_phone_reveal(contact=contact, actor=request.auth, now=clock.now(), source="api")
    return {"contact_id": contact.pk, "number": number}


@router.get(
    "/customers/{customer_id}/audit",
    response={200: AuditPage, **UNAUTHENTICATED, **NOT_FOUND, **INVALID},
    operation_id="archive_customer_audit",
    summary="审计记录 / Audit trail",
    description="Who changed or viewed what on the customer, its contacts, vehicles and repair orders, "
    "newest first. Phone numbers in the changes are masked.",
    url_name="archive_customer_audit",
)
def customer_audit(
    request,
    customer_id: int,
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    customer = get_object_or_404(selectors.customers_visible_to(user=request.auth), pk=customer_id)
    entries = api_selectors.customer_audit_trail(customer=customer)
    return {"count": entries.count(), "items": list(entries[offset : offset + limit]), **_page(limit, offset)}


@router.get(
    "/vehicles",
    response={200: VehiclePage, **UNAUTHENTICATED, **INVALID},
    operation_id="archive_vehicle_search",
    summary="查找车辆 / Find vehicles",
    description="By plate (any spelling, or part of it) and/or VIN (whole, or its last characters).",
    url_name="archive_vehicle_search",
)
def vehicle_search(
    request,
    plate: str = "",
    vin: str = "",
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    vehicles = api_selectors.vehicles_matching(user=request.auth, plate=plate, vin=vin)
    return {"count": vehicles.count(), "items": list(vehicles[offset : offset + limit]), **_page(limit, offset)}


@router.get(
    "/vehicles/{vehicle_id}",
    response={200: VehicleDetail, **UNAUTHENTICATED, **NOT_FOUND},
    operation_id="archive_vehicle_detail",
    summary="车辆档案 / Vehicle",
    description="A vehicle with its derived figures (last visit, km per day, next maintenance, lost flag) "
    "and mileage readings.",
    url_name="archive_vehicle_detail",
)
def vehicle_detail(request, vehicle_id: int):
    return get_object_or_404(api_selectors.vehicle_detail_for(user=request.auth), pk=vehicle_id)


@router.get(
    "/repair-orders",
    response={200: RepairOrderPage, **UNAUTHENTICATED, **INVALID},
    operation_id="archive_repair_order_list",
    summary="工单 / Repair orders",
    description="Repair orders with their lines, newest first, filtered by vehicle id, customer id and "
    "opening date (`since` and `until` inclusive).",
    url_name="archive_repair_order_list",
)
def repair_order_list(
    request,
    vehicle: RowId | None = None,
    customer: RowId | None = None,
    since: Day | None = None,
    until: Day | None = None,
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    orders = api_selectors.repair_orders_matching(
        user=request.auth, vehicle_id=vehicle, customer_id=customer, since=since, until=until
    )
    return {"count": orders.count(), "items": list(orders[offset : offset + limit]), **_page(limit, offset)}


def _batch_out(batch: ImportBatch) -> ImportBatch:
    batch.progress = import_progress(batch=batch)
    batch.status_url = reverse("api:archive_import_status", kwargs={"batch_id": batch.pk})
    batch.rejections_url = reverse("api:archive_import_rejections", kwargs={"batch_id": batch.pk})
    return batch


@router.post(
    "/imports",
    response={202: ImportCreated, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="archive_import_create",
    summary="上传 DMS 导出 / Upload a DMS export",
    description="A CSV or XLSX export for the store with this code; the worker imports it (or only previews "
    "it with `dry_run`). Poll `status_url` for progress and counts.",
    url_name="archive_import_create",
)
def import_create(request, file: File[UploadedFile], store: Form[str], dry_run: Form[bool] = False):
    chosen = api_selectors.store_for_user(user=request.auth, code=store)
    if chosen is None:
        raise HttpError(404, "Not Found")
    if not has_role(user=request.auth, store=chosen, roles=ROLES_THAT_EDIT_ARCHIVE):
        raise HttpError(403, "此角色不能导入 / your role may not import into this store")
    batch = import_batch_create(store=chosen, actor=request.auth, upload=file, dry_run=dry_run)
    # The store's saved column mapping applies; the web form is where a mapping is chosen per upload.
    import_batch_start(batch=batch)
    return 202, {
        "id": batch.pk,
        "status": batch.status,
        "status_url": reverse("api:archive_import_status", kwargs={"batch_id": batch.pk}),
    }


@router.get(
    "/imports/{batch_id}",
    response={200: ImportBatchOut, **UNAUTHENTICATED, **NOT_FOUND},
    operation_id="archive_import_status",
    summary="导入进度 / Import status",
    description="Status, live progress ({phase, done, total}), counts created/updated and rows rejected.",
    url_name="archive_import_status",
)
def import_status(request, batch_id: int):
    batch = get_object_or_404(api_selectors.import_batches_visible_to(user=request.auth), pk=batch_id)
    return _batch_out(batch)


@router.get(
    "/imports/{batch_id}/rejections",
    response={200: ImportRejectionPage, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="archive_import_rejections",
    summary="被拒绝的行 / Rejected rows",
    description="Every row the import refused, with its row number, field, value and reason. Only roles that "
    "import into the batch's store (rejected values may hold personal data).",
    url_name="archive_import_rejections",
)
def import_rejections(
    request,
    batch_id: int,
    limit: int = Query(PAGE_MAX, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    batch = get_object_or_404(api_selectors.import_batches_visible_to(user=request.auth), pk=batch_id)
    if not has_role(user=request.auth, store=batch.store, roles=ROLES_THAT_EDIT_ARCHIVE):
        raise HttpError(403, "此角色不能查看导入明细 / your role may not see import details in this store")
    rows = api_selectors.import_rejections(batch=batch)
    return {"count": rows.count(), "items": list(rows[offset : offset + limit]), **_page(limit, offset)}
