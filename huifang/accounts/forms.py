from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from . import defaults
from .choices import GROUP_ROLES, Role
from .models import Region
from .services import STORE_CODE_PATTERN

# Roles a group administrator hands out in a store (group-wide and regional roles are set up elsewhere).
STORE_INVITE_ROLES = [(value, label) for value, label in Role.choices if value not in GROUP_ROLES | {Role.OEM_REGIONAL}]


class StoreForm(forms.Form):
    group = forms.ModelChoiceField(queryset=None, label=_("Dealer group"))
    code = forms.RegexField(
        regex=STORE_CODE_PATTERN,
        label=_("Store code"),
        max_length=32,
        help_text=_("As in the DMS, e.g. SZ02 (letters, digits, - or _)."),
        error_messages={"invalid": _("2–32 letters, digits, - or _.")},
    )
    name = forms.CharField(label=_("Store name"), max_length=100)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(tz, tz) for tz in defaults.STORE_TIME_ZONES], initial="Asia/Shanghai"
    )
    region = forms.ModelChoiceField(queryset=Region.objects.order_by("code"), label=_("Region"), required=False)
    brand = forms.CharField(label=_("Brand"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        if groups.count() == 1:
            self.fields["group"].initial = groups.first()


class InvitationForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=STORE_INVITE_ROLES)
    email = forms.EmailField(label=_("E-mail (the link is sent there)"), required=False)


class AcceptForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        label=_("User name"),
        max_length=150,
        error_messages={"invalid": _("3 or more letters, digits or . @ + - _")},
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
