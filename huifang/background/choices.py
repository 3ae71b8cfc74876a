from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    WORKER = "worker", _("Worker")
    SCHEDULER = "scheduler", _("Scheduler")


class RecoveryAction(models.TextChoices):
    """What happened to a task whose worker stopped answering (or stopped on request)."""

    RETRIED = "retried", _("Worker lost; task queued again")
    FAILED = "failed", _("Worker lost too often; task failed")
    RELEASED = "released", _("Worker stopped; task handed back")
