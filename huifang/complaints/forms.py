"""Forms of the complaint screens: they parse and check input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store, User
from huifang.accounts.selectors import roles_in_store

from .choices import OPEN_STATUSES, ComplaintCategory, ComplaintChannel, ComplaintLevel, ComplaintNature, PolicyApply
from .choices import ComplaintStatus as Status
from .models import ComplaintPolicy, ComplaintReason

TEXTAREA = {"rows": 3}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos, documents or recordings in one input."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _blank(choices) -> list:
    return [("", "—"), *choices]


class ComplaintFilterForm(forms.Form):
    """The list's filters; every one optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), required=False, empty_label="—")
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), ("open", _("Open (not closed)")), *Status.choices], required=False
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=_blank(ComplaintLevel.choices), coerce=int, empty_value=None, required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=_blank(ComplaintCategory.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(ComplaintChannel.choices), required=False)
    major = forms.TypedChoiceField(
        label=_("Major"),
        choices=[("", "—"), ("1", _("Major only")), ("0", _("Not major"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    overdue = forms.TypedChoiceField(
        label=_("Deadline"),
        choices=[("", "—"), ("1", _("Overdue only")), ("0", _("Not overdue"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )

    paused = forms.TypedChoiceField(
        label=_("Level clock"),
        choices=[("", "—"), ("1", _("Paused (Hold)")), ("0", _("Clock running"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    unowned = forms.TypedChoiceField(
        label=_("Owner"),
        choices=[("", "—"), ("1", _("Unassigned")), ("0", _("Has an owner"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores

    def selector_kwargs(self) -> dict:
        """The filters as complaint_list() takes them (invalid input counts as no filter)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "store": data["store"],
            "status": data["status"],
            "level": data["level"],
            "category": data["category"],
            "channel": data["channel"],
            "major": data["major"],
            "overdue": data["overdue"],
            "unowned": data["unowned"],
            "paused": data["paused"],
            "q": data["q"].strip(),
        }


class ComplaintFieldsForm(forms.Form):
    """The seed 004 tracking form (客户投诉处理跟踪表) fields shared by intake and editing."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ComplaintChannel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    reason = forms.ModelChoiceField(
        label=_("Sub-reason"), queryset=ComplaintReason.objects.none(), required=False, empty_label="—"
    )
    nature = forms.ChoiceField(label=_("Nature"), choices=ComplaintNature.choices, initial=ComplaintNature.GENERAL)
    external_case_no = forms.CharField(label=_("Manufacturer case number"), max_length=64, required=False)
    customer_name = forms.CharField(label=_("Customer"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    vin = forms.CharField(label=_("VIN"), max_length=17, required=False)
    plate = forms.CharField(label=_("Plate"), max_length=10, required=False)
    model = forms.CharField(label=_("Model"), max_length=50, required=False)
    mileage = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000, required=False)
    content = forms.CharField(label=_("Complaint content"), widget=forms.Textarea(attrs={"rows": 4}))
    background = forms.CharField(label=_("Customer background"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    demand = forms.CharField(label=_("Customer demand"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    compensation_demand = forms.DecimalField(
        label=_("Compensation demanded (RMB)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    responsible_department = forms.CharField(label=_("Responsible department"), max_length=50, required=False)

    def __init__(self, *args, reasons, show_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons
        if not show_phone:
            # A role that may not see full numbers may not overwrite one it cannot read either.
            del self.fields["phone"]

    def clean_vin(self) -> str:
        return self.cleaned_data["vin"].strip().upper()

    def clean_plate(self) -> str:
        return self.cleaned_data["plate"].strip().upper().replace(" ", "")

    def clean(self):
        data = super().clean()
        reason, category = data.get("reason"), data.get("category")
        if reason is not None and category and reason.category != category:
            self.add_error("reason", _("This sub-reason belongs to another category."))
        return data


class ComplaintEditForm(ComplaintFieldsForm):
    """Editing the tracking form on the complaint page: the intake fields plus the repair status.

    Actions and tracking grow through dated notes (the "add action" form), never by overwriting.
    """

    repair_status = forms.CharField(
        label=_("Current repair status"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ComplaintIntakeForm(ComplaintFieldsForm):
    """A new complaint from any channel, with the store it belongs to and its attachments."""

    field_order = ["store", "channel", "category", "reason", "nature", "external_case_no"]

    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), empty_label=None)
    owner = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Pick automatically (level 1)"),
    )
    refused_by_manager = forms.BooleanField(
        label=_("Already handled by the advisor and manager without agreement"), required=False
    )
    received_at = forms.DateTimeField(
        label=_("Received at (if earlier than now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    customer_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    vehicle_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    attachments = MultipleFileField(label=_("Attachments (photos, documents, recordings)"), required=False)

    def __init__(self, *args, stores, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        store, reason, owner = data.get("store"), data.get("reason"), data.get("owner")
        if store is not None and reason is not None and reason.store_id != store.pk:
            self.add_error("reason", _("This sub-reason belongs to another store."))
        if store is not None and owner is not None and not roles_in_store(user=owner, store=store):
            self.add_error("owner", _("This person does not work in the chosen store."))
        return data


class ContactForm(forms.Form):
    note = forms.CharField(
        label=_("What was agreed with the customer"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )


class ActionForm(forms.Form):
    note = forms.CharField(label=_("Action / tracking note"), widget=forms.Textarea(attrs=TEXTAREA))


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), choices=[(s.value, s.label) for s in Status if s in OPEN_STATUSES]
    )
    why = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())
    why = forms.CharField(label=_("Why"), required=False, max_length=500)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class EscalateForm(forms.Form):
    why = forms.CharField(label=_("Why escalate now"), widget=forms.Textarea(attrs={"rows": 2}))


class MediaReportForm(forms.Form):
    note = forms.CharField(
        label=_("Written report sent (to whom, how, reference)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Files"))


class CloseForm(forms.Form):
    """Closing needs the result, root cause, corrective action and whether the complaint was valid."""

    result = forms.CharField(label=_("Final result"), widget=forms.Textarea(attrs=TEXTAREA))
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs=TEXTAREA))
    corrective_action = forms.CharField(label=_("Corrective action"), widget=forms.Textarea(attrs=TEXTAREA))
    is_valid = forms.TypedChoiceField(
        label=_("Valid complaint?"),
        choices=[("1", _("Valid (有效)")), ("0", _("Invalid (无效)"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    invalid_reason = forms.CharField(label=_("Why invalid"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        if data.get("is_valid") is False and not (data.get("invalid_reason") or "").strip():
            self.add_error("invalid_reason", _("Say why the complaint is invalid."))
        return data


class ReopenForm(forms.Form):
    why = forms.CharField(label=_("Why reopen"), widget=forms.Textarea(attrs={"rows": 2}))


POLICY_FIELDS = [
    "clock",
    "first_contact_hours",
    "level1_hours",
    "level2_hours",
    "level3_hours",
    "media_report_hours",
    "major_compensation_rmb",
    "major_repeat_repairs",
    "follow_up_days",
    "media_legal_words",
    "safety_words",
    "hold_pauses_clock",
    "hold_max_hours",
]

WEEKDAY_LABELS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))


class PolicyForm(forms.ModelForm):
    """The store's complaint deadlines, thresholds, Hold, and the store's opening days and hours per weekday;
    saved through complaints.services.policy_save."""

    follow_official_holidays = forms.BooleanField(
        label=_("Closed on official holidays, open on make-up workdays"),
        required=False,
        help_text=_("Official schedule from chinese-calendar; the store's own dates are on the holidays screen."),
    )
    apply_to_open = forms.ChoiceField(
        label=_("Open complaints"),
        choices=PolicyApply.choices,
        initial=PolicyApply.KEEP,
        widget=forms.RadioSelect,
        help_text=_("Applies when the clock, the hours per level or the opening hours change."),
    )

    class Meta:
        model = ComplaintPolicy
        fields = POLICY_FIELDS
        widgets = {
            "clock": forms.RadioSelect,
            "media_legal_words": forms.Textarea(attrs=TEXTAREA),
            "safety_words": forms.Textarea(attrs=TEXTAREA),
        }
        help_texts = {
            "clock": _("Business hours count only the store's opening hours below, on its open days."),
            "media_legal_words": _("Comma separated; any of them in the complaint makes it major."),
            "safety_words": _("Comma separated; any of them in the complaint makes it major."),
            "hold_pauses_clock": _("Off: a complaint on Hold keeps its clock running and goes overdue as usual."),
            "hold_max_hours": _("After this long on Hold (calendar hours, per level) the clock runs again."),
        }

    def __init__(self, *args, weekly=None, follow_official: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        weekly = weekly or (None,) * 7
        self.fields["follow_official_holidays"].initial = follow_official
        for n, label in enumerate(WEEKDAY_LABELS):
            hours = weekly[n]
            self.fields[f"open_{n}"] = forms.BooleanField(label=label, required=False, initial=hours is not None)
            time_input = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"opens_{n}"] = forms.TimeField(
                label=_("opens"), required=False, widget=time_input, initial=hours[0] if hours else None
            )
            self.fields[f"closes_{n}"] = forms.TimeField(
                label=_("closes"), required=False, widget=time_input, initial=hours[1] if hours else None
            )

    def weekday_rows(self):
        """(open, opens, closes) bound fields per weekday, Monday first, for the template."""
        return [(self[f"open_{n}"], self[f"opens_{n}"], self[f"closes_{n}"]) for n in range(7)]

    def clean(self):
        data = super().clean()
        weekly = []
        for n in range(7):
            if not data.get(f"open_{n}"):
                weekly.append(None)
                continue
            opens, closes = data.get(f"opens_{n}"), data.get(f"closes_{n}")
            if opens is None or closes is None or closes <= opens:
                self.add_error(f"closes_{n}", _("Opening hours must end after they start."))
                weekly.append(None)
                continue
            weekly.append((opens, closes))
        if all(h is None for h in weekly) and not self.errors:
            self.add_error(None, _("The store must open on at least one weekday."))
        data["weekly"] = tuple(weekly)
        for name in ("media_legal_words", "safety_words"):
            if name in data:
                words = [w.strip() for w in data[name].replace("，", ",").split(",") if w.strip()]
                data[name] = ",".join(dict.fromkeys(words))
        return data

    def policy_values(self) -> dict:
        """The cleaned values of the ComplaintPolicy fields only."""
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS if name in self.cleaned_data}


class ReasonForm(forms.Form):
    """Add a sub-reason to a category."""

    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    name = forms.CharField(label=_("Sub-reason"), max_length=100)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
