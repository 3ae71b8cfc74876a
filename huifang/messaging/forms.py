from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.core.api_params import MAX_ROW_ID

from .choices import ConsentChannel, ConsentPurpose, ConsentState, MessageStatus


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("subject"), max_length=200, required=False)
    body = forms.CharField(label=_("body"), widget=forms.Textarea(attrs={"rows": 6}))
    active = forms.BooleanField(label=_("active"), required=False)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All statuses")), *MessageStatus.choices], required=False
    )
    # Bounded: an id past 64 bits overflows the database driver; out of range, the filter is ignored.
    store = forms.IntegerField(required=False, min_value=1, max_value=MAX_ROW_ID, widget=forms.HiddenInput)


class ConsentForm(forms.Form):
    """Front desk: the customer tells staff to turn one channel and purpose on or off."""

    channel = forms.ChoiceField(label=_("channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("purpose"), choices=ConsentPurpose.choices)
    state = forms.ChoiceField(label=_("state"), choices=ConsentState.choices)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


def consent_key(channel: str, purpose: str) -> str:
    return f"{channel}__{purpose}"


class UnsubscribeForm(forms.Form):
    """The public page: one box per channel and purpose, ticked while the customer agrees to it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for purpose, purpose_label in ConsentPurpose.choices:
            for channel, channel_label in ConsentChannel.choices:
                self.fields[consent_key(channel, purpose)] = forms.BooleanField(
                    label=f"{channel_label} · {purpose_label}", required=False
                )
