from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ProcessKind, RecoveryAction


class Heartbeat(models.Model):
    """A background process's sign of life (心跳): each worker and the scheduler write theirs every few seconds.

    A worker's lease on the task it runs lasts as long as its heartbeat is fresh and its process is alive."""

    process_id = models.CharField(_("process"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProcessKind.choices)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    # The process's start time as the kernel counts it (/proc/<pid>/stat), so a reused pid is not taken
    # for the old process.
    pid_start = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last heartbeat"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    current_task = models.CharField(_("current task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["kind", "-beat_at"]
        indexes = [models.Index(fields=["kind", "beat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.hostname}:{self.pid}"


class TaskRecovery(models.Model):
    """One task taken back from a worker that died or stopped (任务恢复记录): retried, handed back or failed."""

    task_id = models.CharField(_("task"), max_length=64, db_index=True)
    task_path = models.CharField(_("job"), max_length=255)
    args_kwargs = models.JSONField(_("arguments"), default=dict)
    process_id = models.CharField(_("worker"), max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    action = models.CharField(_("action"), max_length=10, choices=RecoveryAction.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("task recovery")
        verbose_name_plural = _("task recoveries")
        ordering = ["-at", "-pk"]
        constraints = [
            # A task's attempt is taken back once, however many recoverers race for it.
            models.UniqueConstraint(
                fields=["task_id", "attempt"],
                condition=~models.Q(action=RecoveryAction.RELEASED),
                name="task_recovery_once_per_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_path} #{self.attempt} {self.action}"


class ScheduledJob(models.Model):
    """The last cron time each periodic job of huifang/schedule.py was enqueued for (定时任务).

    The scheduler moves `last_due_at` with a guarded update in the same transaction as the enqueue, so a
    due time is enqueued once however often the scheduler is killed and restarted, and a restart catches
    up on a due time it missed while it was down (once, not once per missed time)."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_due_at = models.DateTimeField(_("last due time"))
    enqueued_at = models.DateTimeField(_("enqueued"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
