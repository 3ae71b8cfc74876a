from django import forms
from django.utils.translation import gettext_lazy as _

from . import defaults


class ScreenForm(forms.Form):
    name = forms.CharField(label=_("Screen name"), max_length=60)


class PairForm(forms.Form):
    code = forms.CharField(
        label=_("Pairing code"),
        max_length=defaults.PAIRING_CODE_LENGTH + 4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True}),
    )
