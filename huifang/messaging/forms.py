from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MessageStatus


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("subject"), max_length=200, required=False)
    body = forms.CharField(label=_("body"), widget=forms.Textarea(attrs={"rows": 6}))
    active = forms.BooleanField(label=_("active"), required=False)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All statuses")), *MessageStatus.choices], required=False
    )
    store = forms.IntegerField(required=False, widget=forms.HiddenInput)
