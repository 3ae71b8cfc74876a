from pathlib import Path

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import ServiceKind
from .models import AppointmentPolicy
from .services import POLICY_FIELDS


class BookingForm(forms.Form):
    """The booking form: a slot start chosen from the day's free slots, the service, the advisor and a note."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.CharField(label=_("Time slot"), required=False)
    service = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    vehicle = forms.TypedChoiceField(label=_("Vehicle"), coerce=int, required=False, empty_value=None)
    advisor = forms.TypedChoiceField(label=_("Service advisor"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, vehicles=(), advisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = [("", "—")] + [(v.pk, v.plate or v.vin) for v in vehicles]
        self.fields["advisor"].choices = [("", _("Any advisor"))] + [(a.pk, str(a)) for a in advisors]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RescheduleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.CharField(label=_("Time slot"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = AppointmentPolicy
        fields = POLICY_FIELDS
        widgets = {
            "day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "confirmation_text": forms.Textarea(attrs={"rows": 3}),
            "reminder_text": forms.Textarea(attrs={"rows": 3}),
        }


ALLOWED_IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


class AppointmentImportForm(forms.Form):
    store = forms.ModelChoiceField(queryset=None, label=_("Store"))
    file = forms.FileField(label=_("DMS appointment export (CSV or XLSX)"))
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[("dry_run", _("Dry run: check only")), ("import", _("Import"))],
        initial="dry_run",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        if len(stores) == 1:
            self.fields["store"].initial = stores[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_IMPORT_SUFFIXES:
            raise forms.ValidationError(gettext("Only CSV and XLSX files can be imported."))
        return upload
