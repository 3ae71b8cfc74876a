"""Outbox screens: the message list for managers, template editing for care directors, printable letters."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from huifang.accounts.selectors import stores_visible_to
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core import clock
from huifang.core.permissions import require_store_role, role_required

from . import defaults, selectors, services
from .forms import OutboxFilterForm, TemplateForm
from .models import MessageTemplate

PAGE_SIZE = 50


@role_required(*selectors.OUTBOX_ROLES)
def outbox_list(request):
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(
        selectors.messages_for_manager(
            user=request.user, status=filters.get("status") or "", store_id=filters.get("store")
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = [(message, selectors.masked_address(message)) for message in page]
    stores = selectors.outbox_stores_for(user=request.user)
    return render(request, "messaging/outbox_list.html", {"form": form, "page": page, "rows": rows, "stores": stores})


def _store_for(request, store_id: int):
    store = get_object_or_404(stores_visible_to(user=request.user), pk=store_id)
    require_store_role(user=request.user, store=store, roles=selectors.TEMPLATE_EDITOR_ROLES)
    return store


@role_required(*selectors.TEMPLATE_EDITOR_ROLES)
def template_list(request, store_id: int):
    store = _store_for(request, store_id)
    services.templates_ensure_defaults(store=store)
    templates = selectors.templates_for_store(store=store)
    return render(request, "messaging/template_list.html", {"store": store, "templates": templates})


@role_required(*selectors.TEMPLATE_EDITOR_ROLES)
def template_edit(request, store_id: int, pk: int):
    store = _store_for(request, store_id)
    template = get_object_or_404(MessageTemplate, store=store, pk=pk)
    initial = {"subject": template.subject, "body": template.body, "active": template.active}
    form = TemplateForm(request.POST or None, initial=initial)
    context = {"store": store, "template": template, "form": form, "placeholders": sorted(defaults.PLACEHOLDERS)}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.template_update(template=template, actor=request.user, now=clock.now(), **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("body", exc.message_dict.get("body", exc.messages))
            else:
                return redirect("messaging:template_list", store_id=store.pk)
        return render(request, "messaging/template_edit.html", context, status=422)
    return render(request, "messaging/template_edit.html", context)


@role_required(*selectors.OUTBOX_ROLES)
def letters_print(request, store_id: int):
    """The day's letters as a printable mail-merge, one letter per page (PDF with ?format=pdf)."""
    store = get_object_or_404(selectors.outbox_stores_for(user=request.user), pk=store_id)
    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else clock.today()
    except ValueError:
        raise Http404 from None
    letters = list(selectors.letters_to_print(store=store, day=day))
    audit_record(
        obj=store, action=AuditAction.EXPORT, at=clock.now(), actor=request.user, changes={"letters": len(letters)}
    )
    html = render_to_string("messaging/letters_print.html", {"store": store, "day": day, "letters": letters}, request)
    if request.GET.get("format") == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letters-{store.code}-{day.isoformat()}.pdf"'
        return response
    return HttpResponse(html)
