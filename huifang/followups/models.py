from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.core.choice_labels import display

from . import defaults
from .choices import AttemptOutcome, OwnerRule, RuleKind, TaskChannel, TaskStatus


class FollowUpRule(models.Model):
    """A store's follow-up rule (回访/提醒规则): trigger parameters, window, channel, owner and script."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="followup_rules")
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Trigger parameters; each kind uses the ones that apply (see rules.py).
    delay_hours = models.PositiveIntegerField(_("hours after the event"), default=0)
    lead_days = models.PositiveIntegerField(_("lead time (days before the date)"), default=0)
    offsets = models.CharField(
        _("offsets after the event"), max_length=100, blank=True, help_text=_("e.g. 3d,1m,3m (days, months)")
    )
    km_threshold = models.PositiveIntegerField(_("km threshold"), null=True, blank=True)
    festivals = models.CharField(_("festivals"), max_length=200, blank=True)
    window_hours = models.PositiveIntegerField(_("due window (hours)"), default=defaults.POST_SERVICE_WINDOW_HOURS)
    marketing_only = models.BooleanField(_("only customers who accept marketing"), default=False)
    # Seed 002 客户细分 as a filter (archive/segments.py keys); {} = every customer of the store.
    segment = models.JSONField(_("customer segment"), default=dict, blank=True)
    max_failed_attempts = models.PositiveSmallIntegerField(
        _("failed attempts before unreachable"), default=defaults.MAX_FAILED_ATTEMPTS
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window for reminder effectiveness (days)"), default=defaults.RETURN_WINDOW_DAYS
    )
    # Issue 14 §2 (seed 003): the share of the subjects that get the task, at least; 100 = every one.
    sample_percent = models.PositiveSmallIntegerField(_("share of new customers called (%)"), default=100)
    # Post-service call only: orders whose window passed unswept still get their (late) call up to this many
    # days after delivery; 0 = off.
    catch_up_days = models.PositiveSmallIntegerField(
        _("late calls up to (days after delivery)"), default=defaults.POST_SERVICE_CATCH_UP_DAYS
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TaskChannel.choices, default=TaskChannel.CALL)
    owner_rule = models.CharField(_("owner"), max_length=15, choices=OwnerRule.choices, default=OwnerRule.CARE_TEAM)
    script = models.TextField(_("script / template"), blank=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        constraints = [models.UniqueConstraint(fields=["store", "kind"], name="followup_rule_unique_kind")]
        ordering = ["store", "kind"]

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"


class FollowUpTask(models.Model):
    """A due follow-up (回访/提醒任务): one per rule, subject (vehicle or customer) and occurrence."""

    # store, rule, assigned_to: no index of their own, the composite indexes and the unique constraint below
    # lead with them (fewer indexes to fill on every insert and on every update that is not HOT).
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="followup_tasks", db_index=False)
    rule = models.ForeignKey(FollowUpRule, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="followup_tasks")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, null=True, blank=True, related_name="followup_tasks")
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="followup_tasks"
    )
    # "v<vehicle id>" or "c<customer id>": never NULL, so the unique constraint holds for customer tasks too.
    subject = models.CharField(max_length=24)
    occurrence_key = models.CharField(_("occurrence"), max_length=64)
    target_date = models.DateField(_("date the reminder is about"), null=True, blank=True)
    due_at = models.DateTimeField(_("due from"))
    window_end = models.DateTimeField(_("due by"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_tasks",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TaskChannel.choices)
    next_call_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    # Handed out by "next" to one caller until claimed_until (a lease, not a state of the task): nobody else
    # is offered it meanwhile, even if a manager gives the task to someone else; saving the call ends it.
    # Not indexed (it is always read with the task's id or assignee): "next"'s claim, its release and a call
    # not reached change only unindexed columns, so PostgreSQL updates the row in place (HOT) without a new
    # entry in each of the table's indexes (bench/README.md "PostgreSQL's CPU per workbench request").
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "occurrence_key"], name="followup_task_unique_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["store", "status", "due_at"]),
            models.Index(fields=["store", "status", "window_end"]),
            # A caller's open tasks in the order "next" hands them out (window end, due time, id): its claim
            # reads them in index order and stops at the first one callable, without a sort, and skips tasks
            # not yet due on the index alone; also the queue's rows (issue 18). No claim column in it (HOT).
            models.Index(fields=["assigned_to", "status", "window_end", "due_at", "id"], name="task_assignee_order"),
            # Tasks closed in a period (today's board, the dashboard's week), polled by every paired screen.
            models.Index(fields=["store", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{display(self, 'kind')} · {self.subject} · {self.occurrence_key}"


class ContactAttempt(models.Model):
    """One call or contact attempt on a task and its outcome (seed 000)."""

    # No index of its own: the (task, at, id) index below leads with it.
    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="attempts", db_index=False)
    at = models.DateTimeField(_("at"))
    outcome = models.CharField(_("outcome"), max_length=15, choices=AttemptOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    relation = models.CharField(_("relation of who answered"), max_length=50, blank=True)
    best_time = models.CharField(_("best time to reach the owner"), max_length=100, blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["at", "id"]
        # Attempts in a period (the board's and dashboard's days): a range on `at`, then their tasks' store.
        indexes = [
            models.Index(fields=["at"]),
            # A task's attempts in order: the queue's count and last outcome of each row read the index alone
            # (PostgreSQL; the outcome is carried in it), the last one without a sort.
            models.Index(fields=["task", "at", "id"], include=["outcome"], name="attempt_task_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def store_id(self):
        return self.task.store_id
