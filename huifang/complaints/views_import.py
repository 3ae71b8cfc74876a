"""The complaint import wizard (issue 15 §4): upload a hotline/CRM export, see what it would do (dry run) with
every rejected row and its reason, then import it; the same steps as the DMS import."""

import uuid
from pathlib import Path

from django import forms as django_forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from huifang.accounts.selectors import stores_where_role
from huifang.core import clock
from huifang.core.permissions import role_required

from . import importing
from .importing import IMPORT_ROLES

# Uploaded exports are kept here between the preview and the import (the token names the file).
UPLOAD_DIR = "complaint_imports"
EXTENSIONS = (".csv", ".xlsx", ".txt")
MAX_MB = 20


class ImportForm(django_forms.Form):
    store = django_forms.ModelChoiceField(label=_("Store"), queryset=None, empty_label=None)
    # A plain file input: the form never holds a file to clear, and a posted "file-clear" must not turn the
    # upload into False.
    file = django_forms.FileField(
        label=_("Hotline / CRM export (CSV or XLSX)"), required=False, widget=django_forms.FileInput
    )
    token = django_forms.CharField(required=False, widget=django_forms.HiddenInput)
    mode = django_forms.ChoiceField(
        label=_("Mode"),
        choices=[("dry_run", _("Preview only (dry run)")), ("apply", _("Import"))],
        initial="dry_run",
        widget=django_forms.RadioSelect,
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores

    def clean(self):
        data = super().clean()
        upload, token = data.get("file"), data.get("token", "")
        if upload is None and not token:
            self.add_error("file", _("Choose a file."))
        if upload is not None:
            if not upload.name.lower().endswith(EXTENSIONS):
                self.add_error("file", _("A CSV or XLSX file."))
            elif upload.size > MAX_MB * 1024 * 1024:
                self.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": MAX_MB})
        if token and not (len(token) == 32 and token.isalnum()):
            self.add_error("file", _("Choose a file."))
        return data


def _saved_path(token: str, suffix: str = "") -> Path:
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if suffix:
        return folder / f"{token}{suffix}"
    found = sorted(folder.glob(f"{token}.*"))
    if not found:
        raise Http404
    return found[0]


@role_required(*IMPORT_ROLES)
def complaint_import(request):
    """Upload, preview with every rejected row, then import; each import is audited per complaint."""
    stores = stores_where_role(user=request.user, roles=IMPORT_ROLES).order_by("code")
    form = ImportForm(request.POST or None, request.FILES or None, stores=stores)
    context: dict = {"form": form, "columns": importing.COLUMNS}
    if request.method != "POST" or not form.is_valid():
        return render(request, "complaints/import.html", context, status=422 if request.method == "POST" else 200)
    data = form.cleaned_data
    token = data["token"]
    if data["file"] is not None:
        token = uuid.uuid4().hex
        path = _saved_path(token, Path(data["file"].name).suffix.lower())
        with path.open("wb") as handle:
            for chunk in data["file"].chunks():
                handle.write(chunk)
    path = _saved_path(token)
    dry_run = data["mode"] == "dry_run"
    try:
        report = importing.complaints_import_file(
            store=data["store"], path=path, actor=request.user, now=clock.now(), dry_run=dry_run
        )
    except importing.UnreadableFile as exc:
        form.add_error("file", str(exc))
        return render(request, "complaints/import.html", context, status=422)
    if not dry_run:
        path.unlink(missing_ok=True)
    context.update(report=report, token=token, store=data["store"], file_name=data["file"].name if data["file"] else "")
    return render(request, "complaints/import.html", context)
