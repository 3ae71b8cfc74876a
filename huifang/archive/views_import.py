"""DMS import screens: the list and upload form, the column mapping, a batch with live progress, downloads."""

import csv
import io
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from huifang.core import clock
from huifang.core.spreadsheet import inert_row
from huifang.privacy.access import export_logged

from .choices import ImportRowOutcome, ImportStatus
from .importing import selectors
from .importing.fields import FIELDS, FIELDS_BY_NAME, guess_field, normalize_header
from .importing.limits import LimitExceeded
from .importing.reading import UnreadableFile
from .importing.required import missing_columns
from .importing.services import (
    import_batch_create,
    import_batch_start,
    import_batches_reap,
    import_mapping_save,
    import_progress,
    sheet_headers,
)

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
REJECTIONS_ON_PAGE = 500


class UploadForm(forms.Form):
    store = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Store"))
    file = forms.FileField(label=gettext_lazy("DMS export (CSV or XLSX)"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=[("dry_run", gettext_lazy("Dry run: check only")), ("import", gettext_lazy("Import"))],
        initial="dry_run",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        if stores.count() == 1:
            self.fields["store"].initial = stores.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Only CSV and XLSX files can be imported."))
        return upload


@login_required
def import_list(request):
    stores = selectors.import_stores_for(user=request.user)
    # The store set-up page links here with ?store=<id> for the store's first import.
    form = UploadForm(stores=stores, initial={"store": request.GET.get("store")} if request.GET.get("store") else None)
    import_batches_reap(now=clock.now())
    batches = selectors.import_batches_for(user=request.user)[:50]
    return render(request, "archive/import_list.html", {"form": form, "batches": batches, "stores": stores})


@require_POST
@login_required
def import_upload(request):
    stores = selectors.import_stores_for(user=request.user)
    form = UploadForm(request.POST, request.FILES, stores=stores)
    if not form.is_valid():
        batches = selectors.import_batches_for(user=request.user)[:50]
        context = {"form": form, "batches": batches, "stores": stores}
        return render(request, "archive/import_list.html", context, status=422)
    batch = import_batch_create(
        store=form.cleaned_data["store"],
        actor=request.user,
        upload=form.cleaned_data["file"],
        dry_run=form.cleaned_data["mode"] == "dry_run",
    )
    return redirect("archive:import_mapping", pk=batch.pk)


def _mapping_rows(batch, headers: list[str]) -> list[dict]:
    saved = {normalize_header(k): v for k, v in selectors.saved_columns(store=batch.store).items()}
    rows = []
    for index, header in enumerate(headers):
        key = normalize_header(header)
        field = saved[key] if key in saved else guess_field(header)
        rows.append({"index": index, "header": header, "field": field, "saved": key in saved})
    return rows


@login_required
def import_mapping(request, pk: int):
    """Detected headers with the field each one fills; confirming starts the import in the background."""
    batch = get_object_or_404(selectors.import_batches_for(user=request.user), pk=pk)
    if batch.status != ImportStatus.PENDING:
        return redirect("archive:import_detail", pk=batch.pk)
    try:
        sheets = sheet_headers(path=batch.file.path, store=batch.store)
    except (UnreadableFile, LimitExceeded, OSError) as exc:
        sheets, error = [], str(exc)
    else:
        error = ""
    headers: list[str] = []
    for _name, sheet in sheets:
        headers += [h for h in sheet if h not in headers]
    rows = _mapping_rows(batch, headers)
    if request.method == "POST":
        columns = {header: request.POST.get(f"col_{i}", "") for i, header in enumerate(headers)}
        for row in rows:
            row["field"] = columns[row["header"]]
        # No sheet can be complete without these: starting would only fail every row (or the file) the same way.
        if not missing_columns({field for field in columns.values() if field}):
            if request.POST.get("save_mapping"):
                import_mapping_save(store=batch.store, columns=columns)
                messages.success(request, _("Column mapping saved for %(store)s.") % {"store": batch.store})
            import_batch_start(batch=batch, columns=columns or None)
            return redirect("archive:import_detail", pk=batch.pk)
    missing = missing_columns({row["field"] for row in rows if row["field"]}) if headers else []
    context = {
        "batch": batch,
        "sheets": sheets,
        "rows": rows,
        "fields": FIELDS,
        "missing": [FIELDS_BY_NAME[name] for name in missing],
        "error": error,
    }
    return render(request, "archive/import_mapping.html", context)


def _progress_context(batch) -> dict:
    progress = import_progress(batch=batch)
    total = progress.get("total") or 0
    done = progress.get("done") or 0
    # Reading is most of the work on a big file; the other phases show their own steps.
    percent = int(100 * done / total) if total else 0
    return {"batch": batch, "progress": progress, "percent": min(percent, 100)}


@login_required
def import_detail(request, pk: int):
    batch = get_object_or_404(selectors.import_batches_for(user=request.user), pk=pk)
    if batch.status == ImportStatus.RUNNING and import_batches_reap(now=clock.now()):
        batch.refresh_from_db()
    rejections = list(batch.rejections.all()[:REJECTIONS_ON_PAGE])
    context = {
        **_progress_context(batch),
        "rejections": rejections,
        "more_rejections": max(len(rejections) == REJECTIONS_ON_PAGE and batch.rejections.count() - len(rejections), 0),
        "rows_imported": max(batch.rows_total - batch.rows_rejected - batch.rows_warned - batch.rows_skipped, 0),
        "finished": batch.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "entities": [(name, label, batch.counts.get(name)) for name, label in ENTITY_LABELS if batch.counts.get(name)],
    }
    return render(request, "archive/import_detail.html", context)


ENTITY_LABELS = (
    ("customer", gettext_lazy("Customers")),
    ("contact", gettext_lazy("Contacts")),
    ("vehicle", gettext_lazy("Vehicles")),
    ("repair_order", gettext_lazy("Repair orders")),
    ("line", gettext_lazy("Repair order lines")),
)


@require_GET
@login_required
def import_progress_view(request, pk: int):
    """The progress bar alone, polled by htmx every second; a finished batch reloads the whole page."""
    batch = get_object_or_404(selectors.import_batches_for(user=request.user), pk=pk)
    if batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "archive/import_progress.html", _progress_context(batch))


REJECTION_HEADERS = ("Sheet 工作表", "Row 行号", "Outcome 结果", "Field 字段", "Value 值", "Reason 原因")


def _rejection_rows(batch):
    """The per-row report as downloaded: every cell made inert (a DMS cell may hold a formula payload)."""
    outcomes = dict(ImportRowOutcome.choices)
    for sheet, row, severity, field, value, reason in batch.rejections.order_by(
        "sheet", "row_number", "id"
    ).values_list("sheet", "row_number", "severity", "field", "value", "reason"):
        yield inert_row([sheet, row, str(outcomes.get(severity, severity)), field, value, reason])


@login_required
def import_rejections_csv(request, pk: int):
    """Rejected rows as CSV, UTF-8 with a BOM so that Excel shows the Chinese correctly."""
    batch = get_object_or_404(selectors.import_batches_for(user=request.user), pk=pk)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(inert_row(REJECTION_HEADERS))
    writer.writerows(_rejection_rows(batch))
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    export_logged(request, obj=batch, what="import_rejections_csv")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rejections.csv"'
    return response


@login_required
def import_rejections_xlsx(request, pk: int):
    from openpyxl import Workbook

    batch = get_object_or_404(selectors.import_batches_for(user=request.user), pk=pk)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("rejections")
    sheet.append(inert_row(REJECTION_HEADERS))
    for row in _rejection_rows(batch):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    export_logged(request, obj=batch, what="import_rejections_xlsx")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rejections.xlsx"'
    return response
