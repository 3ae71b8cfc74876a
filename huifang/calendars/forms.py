"""Forms of the store calendar screen: they parse and check input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StoreDayForm(forms.Form):
    """The store's own entry for one date: closed, or open with its hours."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_open = forms.TypedChoiceField(
        label=_("The store is"),
        choices=[("0", pgettext_lazy("calendar", "closed")), ("1", _("open"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    opens = forms.TimeField(label=_("opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=_("Note"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("is_open"):
            opens, closes = data.get("opens"), data.get("closes")
            if opens is None or closes is None or closes <= opens:
                self.add_error("closes", _("Opening hours must end after they start."))
        return data
