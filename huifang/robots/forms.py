from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Platform


class RobotSettingsForm(forms.Form):
    """The store's robot; webhook and secret are write-only (left empty, the stored ones stay)."""

    enabled = forms.BooleanField(label=_("Post to the work group"), required=False)
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    webhook = forms.CharField(
        label=_("Webhook address"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 60}),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签)"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    post_brief = forms.BooleanField(label=_("Daily brief"), required=False)
    brief_time = forms.TimeField(label=_("Daily brief at (store time)"), widget=forms.TimeInput(attrs={"type": "time"}))
    post_escalations = forms.BooleanField(label=_("Complaint escalations"), required=False)
    post_major = forms.BooleanField(label=_("Major complaints"), required=False)
    post_hot = forms.BooleanField(label=_("Dissatisfied survey answers"), required=False)
