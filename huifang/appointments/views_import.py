"""The DMS appointment import screen: upload a file, see what a dry run would do (or what the import did),
with every rejected or flagged row named by row, field and value."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import stores_where_role
from huifang.core import clock
from huifang.core.permissions import require_store_role, role_required

from .dms_import.columns import COLUMNS
from .dms_import.services import appointments_import_upload
from .forms import AppointmentImportForm

# Whoever imports the store's DMS data imports its appointments too.
IMPORT_ROLES = tuple(sorted(ROLES_THAT_EDIT_ARCHIVE))
ISSUES_ON_PAGE = 1000


def column_labels() -> dict[str, str]:
    """{column: its header as this screen's reader knows it} (预约单号 on the Chinese screen)."""
    chinese = (get_language() or "").startswith("zh")
    return {c.name: c.label_zh if chinese else c.label_en for c in COLUMNS}


def in_reader_language(text: str) -> str:
    """The import's messages are written '中文 / English': the half the reader reads."""
    chinese, _sep, english = text.partition(" / ")
    if not english:
        return text
    return chinese if (get_language() or "").startswith("zh") else english


@role_required(*IMPORT_ROLES)
def appointment_import(request):
    stores = stores_where_role(user=request.user, roles=IMPORT_ROLES).order_by("code")
    if not stores.exists():
        raise Http404
    form = AppointmentImportForm(request.POST or None, request.FILES or None, stores=stores)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            store = form.cleaned_data["store"]
            require_store_role(user=request.user, store=store, roles=IMPORT_ROLES)
            report = appointments_import_upload(
                store=store,
                upload=form.cleaned_data["file"],
                actor=request.user,
                now=clock.now(),
                dry_run=form.cleaned_data["mode"] == "dry_run",
            )
            status = 422 if report.error else 200
        else:
            status = 422
    labels = column_labels()
    context = {
        "form": form,
        "stores": stores,
        "report": report,
        "error": in_reader_language(report.error) if report else "",
        "issues": [
            {"issue": issue, "label": labels.get(issue.field, issue.field), "reason": in_reader_language(issue.reason)}
            for issue in (report.issues[:ISSUES_ON_PAGE] if report else [])
        ],
        "more_issues": max(len(report.issues) - ISSUES_ON_PAGE, 0) if report else 0,
        "labels": labels,
        "columns": [(labels[c.name], c.synonyms, c.required) for c in COLUMNS],
    }
    return render(request, "appointments/import.html", context, status=status)
