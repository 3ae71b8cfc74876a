"""Forms of the archive screens: they parse and validate input, the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.core.phones import PhoneError, mask_phone, parse_phone

from .models import Customer

PHONE_FORM_FIELDS = ("mobile", "home_phone", "office_phone")


class CustomerForm(forms.ModelForm):
    """The customer's basic data; phones are typed in any format and stored as E.164."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "kind",
            "gender",
            "birthday",
            "birthday_is_lunar",
            "occupation",
            "level",
            "category",
            "address",
            "email",
            "mobile",
            "home_phone",
            "office_phone",
            "preferred_channel",
            "best_contact_time",
            "language",
            "marketing_consent",
            "source",
            "club_level",
        ]
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A full number is shown only through the logged reveal, so the form never pre-fills one:
        # the field shows the masked number and stays unchanged when left blank.
        for name in PHONE_FORM_FIELDS:
            current = getattr(self.instance, name, "")
            self.initial[name] = ""
            self.fields[name].widget.attrs["placeholder"] = mask_phone(current) if current else ""
            self.fields[name].help_text = _("Leave blank to keep the current number.") if current else ""

    def _clean_phone(self, name: str) -> str:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return ""
        try:
            return parse_phone(raw).e164
        except PhoneError:
            raise forms.ValidationError(
                _("Not a valid phone number: %(value)s"), code="invalid_phone", params={"value": raw}
            ) from None

    def clean_mobile(self) -> str:
        value = self._clean_phone("mobile")
        if value and not parse_phone(value).is_mobile:
            raise forms.ValidationError(_("This is not a mobile number."), code="not_mobile")
        return value

    def clean_home_phone(self) -> str:
        return self._clean_phone("home_phone")

    def clean_office_phone(self) -> str:
        return self._clean_phone("office_phone")

    def changed_values(self) -> dict:
        """Only the fields the user changed, as the service expects them."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in self.cleaned_data and not (name in PHONE_FORM_FIELDS and not self.cleaned_data[name])
        }


class StatisticsFilterForm(forms.Form):
    store = forms.ChoiceField(label=_("Store"), required=False)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores")), *[(str(s.pk), str(s)) for s in stores]]
