from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from huifang.core.api_params import FIRST_DAY, LAST_DAY, MAX_ROW_ID

from .choices import LOGGED_ACTIONS
from .models import PrivacyPolicy

_DAY_RANGE = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class RowIdChoices(forms.ModelMultipleChoiceField):
    """Refuses an id past 64 bits before the database sees it (SQLite raises OverflowError on such a value)."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if text.lstrip("-").isdigit() and abs(int(text)) > MAX_ROW_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class AccessLogFilterForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False)
    actor = forms.ModelChoiceField(label=_("Who"), queryset=None, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    # Bounded like the API's Day: a day past 2999 or before 1900 would overflow the day-after arithmetic.
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=_DAY_RANGE
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=_DAY_RANGE
    )

    def __init__(self, *args, stores, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["actor"].queryset = actors
        self.fields["action"].choices = [("", "---------"), *((k, v) for k, v in LOGGED_ACTIONS.items())]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "store": data.get("store"),
            "actor_id": data["actor"].pk if data.get("actor") else None,
            "action": data.get("action") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (required, kept in the log)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the customer's written request of 2026-11-20, ticket number."),
    )
    confirm = forms.BooleanField(label=_("I understand this cannot be undone"), required=True)


class RetentionEraseForm(EraseForm):
    customers = RowIdChoices(label=_("Customers"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = candidates


class ExportForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=1000, required=False)


class PrivacyPolicyForm(forms.ModelForm):
    class Meta:
        model = PrivacyPolicy
        fields = ["retention_years"]

    def clean_retention_years(self):
        years = self.cleaned_data["retention_years"]
        if years < 1:
            raise forms.ValidationError(_("At least one year."))
        return years
