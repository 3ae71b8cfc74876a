"""Complaint screens: the list, intake, the complaint page with its actions, the printable tracking form."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.models import User
from huifang.accounts.selectors import may_reveal_phone, stores_where_role
from huifang.archive.selectors import customers_visible_to, vehicles_visible_to
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.calendars.selectors import calendar_for
from huifang.core import clock
from huifang.core.calendar import official_schedule_known
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import role_required
from huifang.core.phones import display_phone, mask_phone
from huifang.privacy.access import export_logged

from . import forms, selectors, services
from .choices import OPEN_STATUSES, ComplaintLevel, PolicyApply
from .importing import IMPORT_ROLES
from .models import Complaint, ComplaintReason

PAGE_SIZE = 50
REGIONAL_LIMIT = 500
# Roles that see the regional overview of level-4 and major complaints across their stores.


# --- helpers ---------------------------------------------------------------------------------------


def _owners_for(stores) -> QuerySet[User]:
    """People who may own a complaint in these stores (complaint editors of the store itself)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__store__in=stores,
            memberships__role__in=selectors.COMPLAINT_EDITOR_ROLES,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def _may_act(user, complaint: Complaint) -> bool:
    return selectors.may_edit_complaint(user=user, complaint=complaint)


def _phone_for(user, complaint: Complaint) -> str:
    if not complaint.phone:
        return ""
    if may_reveal_phone(user=user, store=complaint.store):
        # The handler calls the customer from this page; showing the number is a reveal (PIPL access log).
        audit_record(
            obj=complaint, action=AuditAction.REVEAL_PHONE, at=clock.now(), actor=user, changes={"field": "phone"}
        )
        return display_phone(complaint.phone)
    return mask_phone(complaint.phone)


def _task_url(task_id: int | None) -> str:
    """The workbench page of the follow-up call, when the workbench has one."""
    if task_id is None:
        return ""
    try:
        return reverse("workbench:task", args=[task_id])
    except NoReverseMatch:
        return ""


# --- list ------------------------------------------------------------------------------------------


@role_required(*selectors.COMPLAINT_ROLES)
def complaint_list(request):
    """Every complaint the user may see: overdue first, then the nearest deadline, with live countdowns."""
    now = clock.now()
    stores = stores_where_role(user=request.user, roles=selectors.COMPLAINT_ROLES).order_by("code")
    filters = forms.ComplaintFilterForm(request.GET or None, stores=stores)
    rows = selectors.complaint_list(user=request.user, now=now, **filters.selector_kwargs())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "now": now,
        "may_file": stores_where_role(user=request.user, roles=selectors.COMPLAINT_EDITOR_ROLES).exists(),
        "may_import": stores_where_role(user=request.user, roles=IMPORT_ROLES).exists(),
    }
    return render(request, "complaints/complaint_list.html", context)


# --- intake ----------------------------------------------------------------------------------------


def _intake_initial(request, stores) -> dict:
    """Prefill from the customer (or vehicle) page: ?customer=<id>&vehicle=<id>."""
    initial: dict = {}
    vehicle = None
    if (vehicle_id := request.GET.get("vehicle", "")).isdigit():
        vehicle = (
            vehicles_visible_to(user=request.user)
            .filter(store__in=stores)
            .select_related("customer")
            .filter(pk=vehicle_id)
            .first()
        )
    customer = vehicle.customer if vehicle is not None else None
    if customer is None and (customer_id := request.GET.get("customer", "")).isdigit():
        customer = customers_visible_to(user=request.user).filter(store__in=stores, pk=customer_id).first()
        if customer is not None:
            vehicle = customer.vehicles.order_by("-last_visit_at", "-id").first()
    if customer is not None:
        initial.update(
            store=customer.store_id,
            customer_id=customer.pk,
            customer_name=customer.name,
        )
        if may_reveal_phone(user=request.user, store=customer.store):
            initial["phone"] = customer.mobile or customer.home_phone or customer.office_phone
    if vehicle is not None:
        initial.update(
            vehicle_id=vehicle.pk,
            vin=vehicle.vin,
            plate=vehicle.plate,
            model=vehicle.model,
            mileage=vehicle.current_km,
        )
    return initial | {"customer": customer, "vehicle": vehicle}


def _intake_save(request, form) -> Complaint | None:
    """File the complaint and its attachments in one transaction; None (with the errors on the form) if refused."""
    data = dict(form.cleaned_data)
    store = data.pop("store")
    files = data.pop("attachments")
    customer_id, vehicle_id = data.pop("customer_id"), data.pop("vehicle_id")
    now = clock.now()
    if data["received_at"] is not None and data["received_at"] > now:
        form.add_error("received_at", _("The complaint cannot be received in the future."))
        return None
    customer = customers_visible_to(user=request.user).filter(store=store, pk=customer_id).first()
    vehicle = vehicles_visible_to(user=request.user).filter(store=store, pk=vehicle_id).first()
    try:
        with transaction.atomic():
            complaint, _created = services.complaint_intake(
                store=store, actor=request.user, now=now, customer=customer, vehicle=vehicle, **data
            )
            for upload in files:
                services.attachment_add(complaint=complaint, actor=request.user, now=now, file=upload)
    except ValidationError as exc:
        form_add_validation_errors(form, exc)
        return None
    return complaint


@role_required(*selectors.COMPLAINT_EDITOR_ROLES)
def complaint_create(request):
    """Intake from any channel; the complaint gets its number, deadlines, owner and major check on save."""
    stores = stores_where_role(user=request.user, roles=selectors.COMPLAINT_EDITOR_ROLES).order_by("code")
    prefill = _intake_initial(request, stores)
    customer, vehicle = prefill.pop("customer"), prefill.pop("vehicle")
    for unseeded in stores.exclude(pk__in=ComplaintReason.objects.values("store")):
        selectors.reasons_for(store=unseeded)  # a store's first complaint gets the default sub-reasons
    reasons = ComplaintReason.objects.filter(store__in=stores, active=True).select_related("store")
    form = forms.ComplaintIntakeForm(
        request.POST or None,
        request.FILES or None,
        initial=prefill,
        stores=stores,
        owners=_owners_for(stores),
        reasons=reasons,
    )
    status = 200
    if request.method == "POST":
        status = 422
        complaint = _intake_save(request, form) if form.is_valid() else None
        if complaint is not None:
            messages.success(request, _("Complaint %(number)s filed.") % {"number": complaint.number})
            return redirect("complaints:detail", complaint_id=complaint.pk)
    context = {
        "form": form,
        "customer": customer,
        "vehicle": vehicle,
        "reason_categories": {str(r.pk): r.category for r in reasons},
    }
    return render(request, "complaints/complaint_form.html", context, status=status)


# --- complaint page --------------------------------------------------------------------------------


def _detail_context(request, complaint: Complaint, **bound_forms) -> dict:
    now = clock.now()
    may_act = _may_act(request.user, complaint)
    is_open = complaint.status in OPEN_STATUSES
    show_phone = may_reveal_phone(user=request.user, store=complaint.store)
    reasons = selectors.reasons_for(store=complaint.store)
    edit_initial = {
        name: getattr(complaint, name)
        for name in forms.ComplaintEditForm.base_fields
        if name not in ("reason",) and hasattr(complaint, name)
    }
    edit_initial["reason"] = complaint.reason_id
    owners = selectors.assignable_owners(complaint=complaint)
    follow_ups = [(f, _task_url(f.task_id)) for f in complaint.follow_ups.all()]
    forms_ = {
        "contact_form": forms.ContactForm(),
        "action_form": forms.ActionForm(),
        "status_form": forms.StatusForm(initial={"status": complaint.status}),
        "assign_form": forms.AssignForm(owners=owners, initial={"owner": complaint.owner_id}),
        "escalate_form": forms.EscalateForm(),
        "media_form": forms.MediaReportForm(),
        "attachment_form": forms.AttachmentForm(),
        "close_form": forms.CloseForm(),
        "reopen_form": forms.ReopenForm(),
        "edit_form": forms.ComplaintEditForm(initial=edit_initial, reasons=reasons, show_phone=show_phone),
    }
    forms_.update(bound_forms)
    return {
        "complaint": complaint,
        "now": now,
        "phone": _phone_for(request.user, complaint),
        # Newest first, so the latest escalation is the first thing under the heading (issue 17).
        "events": list(complaint.events.all())[::-1],
        "attachments": list(complaint.attachments.all()),
        "follow_ups": follow_ups,
        "risk_periods": selectors.risk_periods(complaint=complaint, now=now),
        "level_clock": selectors.level_clock(complaint=complaint, now=now),
        "may_act": may_act,
        "is_open": is_open,
        "may_escalate": may_act and is_open and complaint.level < ComplaintLevel.MANUFACTURER,
        "media_pending": complaint.media_report_due is not None and complaint.media_reported_at is None,
        "open_form": next((name for name, f in bound_forms.items() if f.is_bound), ""),
        **forms_,
    }


@role_required(*selectors.COMPLAINT_ROLES)
def complaint_detail(request, complaint_id: int):
    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id, now=clock.now())
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))


def _act(
    request,
    complaint_id: int,
    *,
    form_name: str,
    make_form: Callable,
    call: Callable,
    done: str,
    needs_open: bool | None = True,
):
    """Shared shape of every action on the complaint page: check, parse, call the service, show the page.

    htmx swaps the page's main part (hx-select), so a failed form comes back open with its errors (422).
    """
    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id)
    if not _may_act(request.user, complaint):
        return HttpResponse(_("You may only read this complaint."), status=403)
    form = make_form(complaint)
    if needs_open is not None and (complaint.status in OPEN_STATUSES) != needs_open:
        form.is_valid()
        form.add_error(
            None, _("The complaint is closed: reopen it first.") if needs_open else _("The complaint is still open.")
        )
    elif form.is_valid():
        try:
            call(complaint, form.cleaned_data, clock.now())
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, done)
            if request.htmx:
                complaint = selectors.complaint_detail(user=request.user, pk=complaint_id, now=clock.now())
                return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))
            return redirect("complaints:detail", complaint_id=complaint.pk)
    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id, now=clock.now())
    context = _detail_context(request, complaint, **{form_name: form})
    return render(request, "complaints/complaint_detail.html", context, status=422)


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_contact(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="contact_form",
        make_form=lambda c: forms.ContactForm(request.POST),
        call=lambda c, d, now: services.complaint_contact_record(
            complaint=c, actor=request.user, now=now, note=d["note"]
        ),
        done=_("First contact recorded."),
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_action(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="action_form",
        make_form=lambda c: forms.ActionForm(request.POST),
        call=lambda c, d, now: services.complaint_action_add(complaint=c, actor=request.user, now=now, note=d["note"]),
        done=_("Note added."),
        needs_open=None,
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_status(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="status_form",
        make_form=lambda c: forms.StatusForm(request.POST),
        call=lambda c, d, now: services.complaint_status_change(
            complaint=c, actor=request.user, now=now, status=d["status"], why=d["why"]
        ),
        done=_("Status changed."),
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_assign(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="assign_form",
        make_form=lambda c: forms.AssignForm(request.POST, owners=selectors.assignable_owners(complaint=c)),
        call=lambda c, d, now: services.complaint_assign(
            complaint=c, actor=request.user, now=now, owner=d["owner"], why=d["why"]
        ),
        done=_("Owner changed."),
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_escalate(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="escalate_form",
        make_form=lambda c: forms.EscalateForm(request.POST),
        call=lambda c, d, now: services.complaint_escalate(complaint=c, actor=request.user, now=now, why=d["why"]),
        done=_("Complaint escalated."),
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_media_report(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="media_form",
        make_form=lambda c: forms.MediaReportForm(request.POST),
        call=lambda c, d, now: services.complaint_media_report_record(
            complaint=c, actor=request.user, now=now, note=d["note"]
        ),
        done=_("Written report recorded."),
        needs_open=None,
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_edit(request, complaint_id: int):
    def make(c):
        show_phone = may_reveal_phone(user=request.user, store=c.store)
        return forms.ComplaintEditForm(
            request.POST, reasons=selectors.reasons_for(store=c.store), show_phone=show_phone
        )

    return _act(
        request,
        complaint_id,
        form_name="edit_form",
        make_form=make,
        call=lambda c, d, now: services.complaint_update(complaint=c, actor=request.user, now=now, **d),
        done=_("Tracking form saved."),
        needs_open=None,
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_attach(request, complaint_id: int):
    def attach(c, d, now):
        with transaction.atomic():
            for upload in d["files"]:
                services.attachment_add(complaint=c, actor=request.user, now=now, file=upload)

    return _act(
        request,
        complaint_id,
        form_name="attachment_form",
        make_form=lambda c: forms.AttachmentForm(request.POST, request.FILES),
        call=attach,
        done=_("Attachments added."),
        needs_open=None,
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_close(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="close_form",
        make_form=lambda c: forms.CloseForm(request.POST),
        call=lambda c, d, now: services.complaint_close(complaint=c, actor=request.user, now=now, **d),
        done=_("Complaint closed; the follow-up call is planned."),
    )


@require_POST
@role_required(*selectors.COMPLAINT_ROLES)
def complaint_reopen(request, complaint_id: int):
    return _act(
        request,
        complaint_id,
        form_name="reopen_form",
        make_form=lambda c: forms.ReopenForm(request.POST),
        call=lambda c, d, now: services.complaint_reopen(complaint=c, actor=request.user, now=now, why=d["why"]),
        done=_("Complaint reopened."),
        needs_open=False,
    )


@role_required(*selectors.COMPLAINT_ROLES)
def attachment_download(request, complaint_id: int, attachment_id: int):
    """An attachment, only through the complaint's store check (never a public media URL)."""
    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id)
    attachment = get_object_or_404(complaint.attachments.all(), pk=attachment_id)
    inline = request.GET.get("inline") == "1" and attachment.content_type.startswith("image/")
    export_logged(request, obj=complaint, what=f"attachment {attachment.pk}")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- printable tracking form -----------------------------------------------------------------------


# The printed form is the seed 004 Chinese paper form, whatever the screen language.
PRINT_CATEGORIES = [
    ("S", "销售(S)"),
    ("SA", "服务(SA)"),
    ("SQ", "产品质量(SQ)"),
    ("SP", "配件(SP)"),
    ("OT", "其他(OT)"),
]
PRINT_NATURES = [("general", "一般"), ("media_risk", "潜在媒体曝光"), ("consumer_assoc", "消协"), ("legal", "法律诉讼")]


def _print_html(request, complaint: Complaint, *, for_pdf: bool) -> str:
    context = {
        "categories": PRINT_CATEGORIES,
        "natures": PRINT_NATURES,
        "complaint": complaint,
        "phone": _phone_for(request.user, complaint),
        "events": list(complaint.events.all()),
        "printed_at": clock.now(),
        "for_pdf": for_pdf,
    }
    # The paper form is Chinese whatever the screen language (its labels, statuses and levels too).
    with translation.override("zh-hans"):
        return render_to_string("complaints/complaint_print.html", context, request)


@role_required(*selectors.COMPLAINT_ROLES)
def complaint_print(request, complaint_id: int):
    """The seed 004 客户投诉处理跟踪表 as a printable page."""
    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id)
    return HttpResponse(_print_html(request, complaint, for_pdf=False))


@role_required(*selectors.COMPLAINT_ROLES)
def complaint_pdf(request, complaint_id: int):
    """The tracking form as a PDF (WeasyPrint, CJK fonts); every export is audited."""
    from .pdf import html_to_pdf

    complaint = selectors.complaint_detail(user=request.user, pk=complaint_id)
    pdf = html_to_pdf(_print_html(request, complaint, for_pdf=True), base_url=request.build_absolute_uri("/"))
    audit_record(obj=complaint, action=AuditAction.EXPORT, at=clock.now(), actor=request.user, changes={"pdf": 1})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="complaint-{complaint.number}.pdf"'
    return response


# --- OEM regional view -----------------------------------------------------------------------------


@role_required(*selectors.REGIONAL_ROLES)
def regional(request):
    """Level-4 and major complaints across the user's stores, counts per store, oldest first."""
    now = clock.now()
    overview = selectors.oem_overview(user=request.user, now=now)
    context = {
        "now": now,
        "per_store": overview["per_store"],
        "complaints": overview["complaints"].order_by("received_at", "id")[:REGIONAL_LIMIT],
    }
    return render(request, "complaints/regional.html", context)


# --- settings (care director) ----------------------------------------------------------------------


def _settings_store(request, store_id: int):
    return get_object_or_404(stores_where_role(user=request.user, roles=selectors.POLICY_EDITOR_ROLES), pk=store_id)


@role_required(*selectors.POLICY_EDITOR_ROLES)
def policy_edit(request, store_id: int):
    """The store's complaint deadlines, clock, opening days and hours, Hold, thresholds and word lists."""
    store = _settings_store(request, store_id)
    policy = selectors.policy_for(store=store)
    cal = calendar_for(store=store)
    form = forms.PolicyForm(
        request.POST or None, instance=policy, weekly=cal.weekly, follow_official=cal.follow_official
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                _policy, recomputed = services.policy_save(
                    store=store,
                    actor=request.user,
                    now=clock.now(),
                    values=form.policy_values(),
                    weekly=form.cleaned_data["weekly"],
                    follow_official_holidays=form.cleaned_data["follow_official_holidays"],
                    apply=form.cleaned_data["apply_to_open"],
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Complaint policy saved."))
                if recomputed is not None:
                    if form.cleaned_data["apply_to_open"] == PolicyApply.RECOMPUTE:
                        messages.info(request, _("Deadlines recomputed for %(n)d open complaints.") % {"n": recomputed})
                    else:
                        messages.info(request, _("Open complaints keep the deadlines already promised."))
                return redirect("complaints:policy", store_id=store.pk)
    stores = stores_where_role(user=request.user, roles=selectors.POLICY_EDITOR_ROLES).order_by("code")
    context = {
        "store": store,
        "stores": stores,
        "form": form,
        "versions": selectors.policy_versions(store=store),
        "official_known": official_schedule_known(clock.today().year),
        "year": clock.today().year,
    }
    return render(request, "complaints/policy_edit.html", context, status=status)


@role_required(*selectors.POLICY_EDITOR_ROLES)
def reason_list(request, store_id: int):
    """Sub-reasons per category: add one, switch one off or on."""
    store = _settings_store(request, store_id)
    form = forms.ReasonForm(request.POST if request.POST.get("op") == "add" else None)
    status = 200
    if request.method == "POST":
        now = clock.now()
        if request.POST.get("op") == "toggle":
            reason = get_object_or_404(ComplaintReason, store=store, pk=request.POST.get("reason_id") or 0)
            services.reason_save(
                store=store,
                actor=request.user,
                now=now,
                reason=reason,
                category=reason.category,
                name=reason.name,
                active=not reason.active,
            )
            return redirect("complaints:reasons", store_id=store.pk)
        status = 422
        if form.is_valid():
            try:
                services.reason_save(store=store, actor=request.user, now=now, **form.cleaned_data)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Sub-reason added."))
                return redirect("complaints:reasons", store_id=store.pk)
    reasons = selectors.reasons_for(store=store, active_only=False)
    stores = stores_where_role(user=request.user, roles=selectors.POLICY_EDITOR_ROLES).order_by("code")
    context = {"store": store, "stores": stores, "form": form, "reasons": reasons}
    return render(request, "complaints/reason_list.html", context, status=status)


@role_required(*selectors.POLICY_EDITOR_ROLES)
def settings_index(request):
    """The store chooser of the complaint settings: with one store, straight to its policy."""
    stores = list(stores_where_role(user=request.user, roles=selectors.POLICY_EDITOR_ROLES).order_by("code"))
    if len(stores) == 1:
        return redirect("complaints:policy", store_id=stores[0].pk)
    return render(request, "complaints/settings_index.html", {"stores": stores})
