from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store

from . import defaults
from .choices import AlertKind, Platform


class RobotSettings(models.Model):
    """A store's work-group robot (钉钉/企业微信群机器人): where it is, and what it posts. Off until turned on.

    The webhook (its token is the key to the group) and the DingTalk 加签 secret are stored sealed
    (sealing.py) and never shown again in full.
    """

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="robot_settings")
    enabled = models.BooleanField(_("post to the work group"), default=False)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices, default=Platform.DINGTALK)
    webhook_sealed = models.TextField(blank=True, editable=False)
    secret_sealed = models.TextField(blank=True, editable=False)
    post_brief = models.BooleanField(_("daily brief"), default=True)
    brief_time = models.TimeField(_("daily brief at (store time)"), default=defaults.DAILY_BRIEF_TIME)
    post_escalations = models.BooleanField(_("complaint escalations"), default=True)
    post_major = models.BooleanField(_("major complaints"), default=True)
    post_hot = models.BooleanField(_("dissatisfied survey answers"), default=True)
    # The store-local day of the last daily brief queued (claimed by a guarded update: once a day).
    last_brief_on = models.DateField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("work-group robot")
        verbose_name_plural = _("work-group robots")

    def __str__(self) -> str:
        return f"{self.store} · {self.get_platform_display()}"

    @property
    def configured(self) -> bool:
        return bool(self.webhook_sealed)

    def posts(self, kind: str) -> bool:
        """Whether this kind of message goes to the group (the test message always does, when configured)."""
        switches = {
            AlertKind.BRIEF: self.post_brief,
            AlertKind.ESCALATION: self.post_escalations,
            AlertKind.MAJOR: self.post_major,
            AlertKind.HOT: self.post_hot,
            AlertKind.TEST: True,
        }
        return self.enabled and self.configured and switches.get(kind, False)
