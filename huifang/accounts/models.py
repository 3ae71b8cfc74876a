import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Role, Scope


class Region(models.Model):
    """OEM sales/after-sales region (厂家区域), e.g. 华东区."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class DealerGroup(models.Model):
    """Dealer group (经销商集团) owning one or more stores."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """A dealership (4S 店): the unit every customer, task and complaint belongs to."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    group = models.ForeignKey(
        DealerGroup, verbose_name=_("dealer group"), on_delete=models.PROTECT, related_name="stores"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stores", null=True, blank=True
    )
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    # Set only by the demo (seed_demo): demo data and the demo history are written into these stores alone.
    is_demo = models.BooleanField(_("demo store"), default=False)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in; what they may see comes from their memberships."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    on_leave = models.BooleanField(_("on leave"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Membership(models.Model):
    """A role for a user in one store, or across a dealer group or an OEM region."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.STORE)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    group = models.ForeignKey(DealerGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_target_matches_scope",
                condition=(
                    Q(scope=Scope.STORE, store__isnull=False, group__isnull=True, region__isnull=True)
                    | Q(scope=Scope.GROUP, store__isnull=True, group__isnull=False, region__isnull=True)
                    | Q(scope=Scope.REGION, store__isnull=True, group__isnull=True, region__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.store or self.group or self.region
        return f"{self.user} · {self.get_role_display()} · {target}"


class ApiToken(models.Model):
    """A bearer token for API clients (phone system, mobile app); only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "hf_" + secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation (邀请) to join a store or a dealer group in one role; only the link's hash is stored."""

    email = models.EmailField(_("e-mail"), blank=True)
    display_name = models.CharField(_("display name"), max_length=50)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.STORE)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    group = models.ForeignKey(DealerGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("invited at"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="invitation_target_matches_scope",
                condition=(
                    Q(scope=Scope.STORE, store__isnull=False, group__isnull=True)
                    | Q(scope=Scope.GROUP, store__isnull=True, group__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.get_role_display()} · {self.store or self.group}"
