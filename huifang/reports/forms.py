from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Direction, Kpi


class StoreMonthForm(forms.Form):
    """?store=&month= filter of the group screens; an invisible store is a bad choice (404)."""

    store = forms.ChoiceField(label=_("Store"), required=False)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores")), *[(str(s.pk), str(s)) for s in stores]]


class PdcaForm(forms.Form):
    kpi = forms.ChoiceField(label=_("KPI"), choices=Kpi.choices, widget=forms.HiddenInput)
    cause_analysis = forms.CharField(
        label=_("Cause analysis (问题分析)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = forms.CharField(label=_("Measures (措施)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label=_("Owner (负责人)"), required=False, max_length=50)
    completion_date = forms.DateField(
        label=_("Completion date (完成日期)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TargetForm(forms.Form):
    """One target and direction field per KPI."""

    def __init__(self, *args, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kpi, row in targets.items():
            self.fields[f"target_{kpi}"] = forms.DecimalField(
                label=row["label"], min_value=0, max_value=100, decimal_places=2, initial=row["target"]
            )
            self.fields[f"direction_{kpi}"] = forms.ChoiceField(
                label=_("Direction"), choices=Direction.choices, initial=row["direction"]
            )

    def rows(self):
        for name in self.fields:
            if name.startswith("target_"):
                kpi = name.removeprefix("target_")
                yield kpi, self[name], self[f"direction_{kpi}"]


class BenchmarkImportForm(forms.Form):
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", help_text=_("e.g. 2026-10"))
    file = forms.FileField(label=_("CSV or XLSX file laid out like the CSS table"))
    dry_run = forms.BooleanField(label=_("Only check, do not save"), required=False)


class AuditForm(forms.Form):
    score = forms.IntegerField(label=_("Audit score (0–100)"), min_value=0, max_value=100)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SampleForm(forms.Form):
    seed = forms.CharField(label=_("Draw (seed)"), required=False, max_length=40)


class ReportPolicyForm(forms.Form):
    """The store's report settings (edited next to the targets)."""

    tolerance_points = forms.DecimalField(
        label=_("needs improvement within (points below target)"), min_value=0, max_value=100, decimal_places=2
    )
    # Bounded by their columns (integer, smallint): SQLite would take more, PostgreSQL and the model check not.
    implausible_seconds = forms.IntegerField(
        label=_("satisfied calls shorter than (s) are suspicious"), min_value=1, max_value=2**31 - 1
    )
    implausible_count = forms.IntegerField(
        label=_("flag from this many short satisfied calls a day"), min_value=1, max_value=2**15 - 1
    )
    audit_sample_size = forms.IntegerField(
        label=_("recordings sampled per specialist and month"), min_value=0, max_value=2**15 - 1
    )
