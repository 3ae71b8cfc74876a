from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store


class Notification(models.Model):
    """An in-app message to a member of staff (站内通知), e.g. a complaint escalated to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(_("at"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Idempotency: one notification per user and key (e.g. "complaint:12:escalate:2").
    key = models.CharField(max_length=100)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_unique_key")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
