from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import User

from . import defaults, rules
from .choices import OwnerRule, RuleKind, TaskChannel


class RuleForm(forms.Form):
    """The editable values of a follow-up rule; the service checks how they fit together."""

    name = forms.CharField(label=_("rule name"), max_length=100)
    enabled = forms.BooleanField(label=_("enabled"), required=False)
    delay_hours = forms.IntegerField(label=_("hours after the event"), min_value=0, max_value=24 * 365)
    lead_days = forms.IntegerField(label=_("lead time (days before the date)"), min_value=0, max_value=365)
    offsets = forms.CharField(
        label=_("offsets after the event"), max_length=100, required=False, help_text=_("e.g. 3d,1m,3m (days, months)")
    )
    km_threshold = forms.IntegerField(label=_("km threshold"), min_value=1, max_value=1_000_000, required=False)
    festivals = forms.CharField(label=_("festivals"), max_length=200, required=False)
    window_hours = forms.IntegerField(label=_("due window (hours)"), min_value=1, max_value=24 * 365)
    marketing_only = forms.BooleanField(label=_("only customers who accept marketing"), required=False)
    max_failed_attempts = forms.IntegerField(label=_("failed attempts before unreachable"), min_value=1, max_value=20)
    return_window_days = forms.IntegerField(
        label=_("return window for reminder effectiveness (days)"), min_value=1, max_value=365
    )
    sample_percent = forms.IntegerField(
        label=_("share of new customers called (%)"),
        min_value=1,
        max_value=100,
        help_text=_("At least this share of each day's new customers, picked the same way every time."),
    )
    catch_up_days = forms.IntegerField(
        label=_("late calls up to (days after delivery)"),
        min_value=0,
        max_value=defaults.MAX_CATCH_UP_DAYS,
        help_text=_("Orders whose call window passed before any sweep ran are still called, late; 0 = off."),
    )
    channel = forms.ChoiceField(label=_("channel"), choices=TaskChannel.choices)
    owner_rule = forms.ChoiceField(label=_("owner"), choices=OwnerRule.choices)
    script = forms.CharField(label=_("script / template"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the first-visit series samples its customers (issue 14 §2); other kinds keep every subject.
        if kind is not None and kind != RuleKind.FIRST_VISIT_SERIES:
            del self.fields["sample_percent"]
        # Only the post-service call catches up on windows that passed unswept.
        if kind is not None and kind != RuleKind.POST_SERVICE_CALL:
            del self.fields["catch_up_days"]

    def clean_offsets(self) -> str:
        value = self.cleaned_data["offsets"].strip()
        try:
            parsed = rules.parse_offsets(value)
        except ValueError:
            raise forms.ValidationError(_("Write offsets like 3d,1m,3m (a number of days d or months m).")) from None
        # Stored in the canonical form the sweeps read ("3d,1m").
        return ",".join(o.key for o in parsed)

    def clean_festivals(self) -> str:
        return ",".join(f.strip() for f in self.cleaned_data["festivals"].split(",") if f.strip())


class OverdueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All kinds")), *RuleKind.choices], required=False)


class ReassignForm(forms.Form):
    """Move every open task of one person to a named colleague, or spread them over the care team."""

    from_user = forms.ModelChoiceField(label=_("move the open tasks of"), queryset=User.objects.none())
    to_user = forms.ModelChoiceField(label=_("to"), queryset=User.objects.none(), required=False)
    rebalance = forms.BooleanField(label=_("or spread them over the care team (least loaded first)"), required=False)

    def __init__(self, *args, holders, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = holders
        self.fields["to_user"].queryset = receivers

    def clean(self):
        data = super().clean()
        from_user, to_user, rebalance = data.get("from_user"), data.get("to_user"), data.get("rebalance")
        if to_user is None and not rebalance:
            self.add_error("to_user", _("Choose a colleague or tick the box to spread the tasks."))
        elif to_user is not None and rebalance:
            self.add_error("to_user", _("Choose a colleague or spread the tasks, not both."))
        elif to_user is not None and to_user == from_user:
            self.add_error("to_user", _("Choose someone else."))
        return data
