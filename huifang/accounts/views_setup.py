"""Store set-up screens for a dealer group's administrator: new store, invitations, first DMS import."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.archive.dms_reference import ENTITY_LABELS
from huifang.archive.importing.fields import FIELDS
from huifang.core import clock
from huifang.core.links import absolute_url
from huifang.core.permissions import role_required

from . import selectors, services
from .choices import SETUP_ROLES
from .forms import AcceptForm, InvitationForm, StoreForm


@role_required(*SETUP_ROLES)
def store_list(request):
    """The stores the administrator sets up, with the button for a new one."""
    stores = selectors.stores_for_setup(user=request.user)
    groups = selectors.groups_for_setup(user=request.user)
    return render(request, "accounts/store_list.html", {"stores": stores, "may_create": groups.exists()})


@role_required(*SETUP_ROLES)
def store_create(request):
    """Code, name, time zone (and group, region, brand, city, phone) of a new store."""
    groups = selectors.groups_for_setup(user=request.user)
    if not groups.exists():
        raise PermissionDenied
    form = StoreForm(request.POST or None, groups=groups)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                store = services.store_create(actor=request.user, now=clock.now(), **form.cleaned_data)
            except services.SetupError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Store %(store)s created.") % {"store": store})
                return redirect("accounts:store_detail", store_id=store.pk)
    return render(request, "accounts/store_form.html", {"form": form}, status=status)


def _setup_store(request, store_id: int):
    return get_object_or_404(selectors.stores_for_setup(user=request.user), pk=store_id)


def _detail(request, store, form, *, new_link: str = "", status: int = 200):
    context = {
        "store": store,
        "form": form,
        "team": selectors.store_team(store=store),
        "invitations": selectors.invitations_open(store=store, now=clock.now()).select_related("created_by"),
        "new_link": new_link,
        "import_url": reverse("archive:import_list") + f"?store={store.pk}",
    }
    return render(request, "accounts/store_detail.html", context, status=status)


@role_required(*SETUP_ROLES)
def store_detail(request, store_id: int):
    """The store's team, open invitations, the invitation form and the next steps (hours, first import)."""
    store = _setup_store(request, store_id)
    return _detail(request, store, InvitationForm())


@require_POST
@role_required(*SETUP_ROLES)
def invitation_create(request, store_id: int):
    """Invite one person in one role; the link is shown once (and e-mailed when an address is given)."""
    store = _setup_store(request, store_id)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _detail(request, store, form, status=422)
    try:
        invitation, key = services.invitation_create(
            actor=request.user, store=store, now=clock.now(), **form.cleaned_data
        )
    except services.SetupError as exc:
        form.add_error(None, str(exc))
        return _detail(request, store, form, status=422)
    link = absolute_url(reverse("accounts:invitation_accept", args=[key]))
    if invitation.email:
        send_mail(
            _("Invitation to Huifang: %(store)s") % {"store": store},
            _("%(name)s, you are invited to %(store)s as %(role)s. Open this link to choose your login: %(link)s")
            % {"name": invitation.display_name, "store": store, "role": invitation.get_role_display(), "link": link},
            None,
            [invitation.email],
            fail_silently=True,
        )
    messages.success(request, _("Invitation for %(name)s created.") % {"name": invitation.display_name})
    return _detail(request, store, InvitationForm(), new_link=link)


def invitation_accept(request, key: str):
    """Public page of an invitation link: choose a user name and password, then signed in."""
    now = clock.now()
    try:
        invitation = services.invitation_for_key(key=key, now=now)
    except services.SetupError:
        return render(request, "accounts/invitation_invalid.html", status=410)
    form = AcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    key=key, username=form.cleaned_data["username"], password=form.cleaned_data["password"], now=now
                )
            except services.SetupError as exc:
                form.add_error("username", str(exc))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome, %(name)s.") % {"name": user})
                return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}, status=status)


@login_required
def dms_columns(request):
    """Every column header the DMS import accepts, per record, in Chinese and English (from the code's table)."""
    fields = sorted(FIELDS, key=lambda f: list(ENTITY_LABELS).index(f.entity))
    return render(request, "accounts/dms_columns.html", {"fields": fields})
