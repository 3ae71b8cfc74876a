from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")


class AlertKind(models.TextChoices):
    """What a robot message is about; each kind can be switched off per store (the test message cannot)."""

    BRIEF = "brief", _("Daily brief")
    ESCALATION = "escalation", _("Complaint escalated")
    MAJOR = "major", _("Major complaint")
    HOT = "hot", _("Dissatisfied survey answer")
    TEST = "test", _("Test message")
