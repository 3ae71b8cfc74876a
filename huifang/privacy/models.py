from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store

from . import defaults
from .choices import RequestKind


class PrivacyPolicy(models.Model):
    """Per-store personal-data rules (个人信息保护设置), seeded with the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="privacy_policy")
    retention_years = models.PositiveSmallIntegerField(
        _("review customers inactive for (years)"), default=defaults.RETENTION_YEARS
    )

    class Meta:
        verbose_name = _("privacy policy")
        verbose_name_plural = _("privacy policies")

    def __str__(self) -> str:
        return f"{self.store} privacy policy"


class DataRightsRequest(models.Model):
    """A data-rights action (个人信息权利请求): an export or an erasure of one customer, with the reason.

    The customer link stays after erasure (the row is anonymised, not deleted) so the request can be traced."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="data_rights_requests")
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="data_rights_requests"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rows changed per model for an erasure, files for an export: {"archive.Vehicle": 2, ...}.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("data-rights request")
        verbose_name_plural = _("data-rights requests")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["store", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} #{self.customer_id}"
