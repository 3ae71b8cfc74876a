"""Operations forms: input parsing only; the services validate the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.archive.choices import CustomerKind
from huifang.archive.segments import SEGMENT_KEYS, segment_clean
from huifang.messaging.choices import MessageChannel

from .choices import EventKind


class LoungeChecklistForm(forms.Form):
    """One score (0…max), note and photo per active item, plus the day's note."""

    note = forms.CharField(label=_("Note for the day"), max_length=255, required=False)

    def __init__(self, *args, items, max_score: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        choices = [("", "—")] + [(str(n), str(n)) for n in range(max_score, -1, -1)]
        for item in self.items:
            self.fields[f"score_{item.pk}"] = forms.TypedChoiceField(
                label=item.title, choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"),
                max_length=255,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("Note")}),
            )
            # A plain file input: a posted "photo_N-clear" must not turn the upload into False.
            self.fields[f"photo_{item.pk}"] = forms.FileField(
                label=_("Photo"), required=False, widget=forms.FileInput
            )

    def rows(self):
        """(item, score field, note field, photo field) per item, for the template."""
        return [
            (item, self[f"score_{item.pk}"], self[f"note_{item.pk}"], self[f"photo_{item.pk}"]) for item in self.items
        ]


class LoungeItemForm(forms.Form):
    position = forms.IntegerField(label=_("No."), min_value=1, max_value=99)
    title = forms.CharField(label=_("Item"), max_length=60)
    description = forms.CharField(label=_("What to check"), max_length=255, required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], required=False)


class ClubLevelForm(forms.Form):
    name = forms.CharField(label=_("Level"), max_length=30)
    rank = forms.IntegerField(label=_("Rank (higher is better)"), min_value=1, max_value=99)
    benefits = forms.CharField(label=_("Benefits"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ClubMemberForm(forms.Form):
    customer_id = forms.IntegerField(label=_("Customer no."), min_value=1)
    level = forms.ModelChoiceField(label=_("Level"), queryset=None)
    active = forms.BooleanField(label=_("Membership active"), required=False, initial=True)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = levels


class MemberLevelForm(forms.Form):
    level = forms.ModelChoiceField(label=_("Level"), queryset=None)
    active = forms.BooleanField(label=_("Membership active"), required=False)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = levels


class ClubEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10000)
    description = forms.CharField(label=_("Event details"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class SegmentForm(forms.Form):
    """Seed 002 客户细分 as a filter: spend, paid visits, club level, customer type."""

    spend_min = forms.DecimalField(label=_("Spend from (RMB)"), min_value=0, required=False)
    spend_max = forms.DecimalField(label=_("Spend up to (RMB)"), min_value=0, required=False)
    paid_visits_min = forms.IntegerField(label=_("Paid visits from"), min_value=0, required=False)
    paid_visits_max = forms.IntegerField(label=_("Paid visits up to"), min_value=0, required=False)
    club_level = forms.ModelChoiceField(label=_("Club level"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("Customer type"), choices=[("", "—"), *CustomerKind.choices], required=False)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["club_level"].queryset = levels

    def clean(self):
        data = super().clean()
        for low, high in (("spend_min", "spend_max"), ("paid_visits_min", "paid_visits_max")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("Must not be below the lower bound."))
        return data

    def segment(self) -> dict:
        return {
            key: value for key, value in self.cleaned_data.items() if key in SEGMENT_KEYS and value not in (None, "")
        }

    def segment_json(self) -> dict:
        """The chosen filters as stored on rules and campaigns (archive/segments.py): ids and strings."""
        data = self.segment()
        if "club_level" in data:
            data["club_level"] = data["club_level"].pk
        return segment_clean(data)


class InviteForm(SegmentForm):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(MessageChannel.SMS, _("SMS")), (MessageChannel.EMAIL, _("E-mail"))]
    )


class FrontDeskSignupForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.customer.name} · {m.level.name}"


class MonthlyFigureForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"])
    # A month's figures of one store stay far below a million; a larger number is a typing slip (and past
    # 64 bits it overflowed the database).
    showroom_sales = forms.IntegerField(
        label=_("Showroom sales (展厅销量)"), min_value=0, max_value=1_000_000, required=False
    )
    workshop_throughput = forms.IntegerField(
        label=_("Workshop throughput (进厂台次)"), min_value=0, max_value=1_000_000, required=False
    )


class StaffingTableForm(forms.Form):
    """One 'a+b+c' text per cell."""

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = cells
        for cell in cells:
            self.fields[f"cell_{cell.row}_{cell.column}"] = forms.CharField(
                label=f"{cell.throughput_label} × {cell.sales_label}",
                initial=cell.formula,
                max_length=12,
                widget=forms.TextInput(attrs={"size": 6, "inputmode": "numeric"}),
            )

    def formulas(self) -> dict[tuple[int, int], str]:
        return {(c.row, c.column): self.cleaned_data[f"cell_{c.row}_{c.column}"] for c in self.cells}


class CampaignForm(SegmentForm):
    """A group message (群发): the segment's filters, the template and the channel; the token makes a
    double submit send once."""

    template = forms.ModelChoiceField(label=_("Message template"), queryset=None)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    submit_token = forms.CharField(max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.get_kind_display()} · {t.get_channel_display()} · {t.get_purpose_display()}"
        )


class BucketForm(forms.Form):
    """One bucket of the staffing table: name and inclusive edges (empty: open-ended)."""

    label = forms.CharField(label=_("Bucket"), max_length=20, required=False)
    low = forms.IntegerField(label=_("From"), min_value=0, max_value=1_000_000, required=False)
    high = forms.IntegerField(label=_("Up to"), min_value=0, max_value=1_000_000, required=False)
    origin = forms.IntegerField(min_value=0, max_value=99, required=False, widget=forms.HiddenInput)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("label") or "").strip() and data.get("low") is None and data.get("high") is None


BucketFormSet = forms.formset_factory(BucketForm, extra=1, can_delete=True, max_num=20, validate_max=True)
