from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.followups.models import FollowUpTask

from . import defaults
from .choices import (
    ClockKind,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintLevel,
    ComplaintNature,
    ComplaintStatus,
    EventKind,
)


class ComplaintPolicy(models.Model):
    """A store's complaint deadlines and major-complaint thresholds (seed 004, 001)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="complaint_policy")
    clock = models.CharField(_("deadlines count"), max_length=10, choices=ClockKind.choices, default=ClockKind.CALENDAR)
    first_contact_hours = models.PositiveSmallIntegerField(
        _("first contact within (h)"), default=defaults.FIRST_CONTACT_HOURS
    )
    level1_hours = models.PositiveSmallIntegerField(_("level 1 within (h)"), default=defaults.LEVEL1_HOURS)
    level2_hours = models.PositiveSmallIntegerField(_("level 2 within (h)"), default=defaults.LEVEL2_HOURS)
    level3_hours = models.PositiveSmallIntegerField(_("level 3 within (h)"), default=defaults.LEVEL3_HOURS)
    media_report_hours = models.PositiveSmallIntegerField(
        _("written report to the manufacturer within (h)"), default=defaults.MEDIA_REPORT_HOURS
    )
    major_compensation_rmb = models.DecimalField(
        _("major above compensation (RMB)"), max_digits=12, decimal_places=2, default=defaults.MAJOR_COMPENSATION_RMB
    )
    major_repeat_repairs = models.PositiveSmallIntegerField(
        _("major at repairs of the same fault"), default=defaults.MAJOR_REPEAT_REPAIRS
    )
    media_legal_words = models.TextField(_("media / legal words"), default=defaults.MEDIA_LEGAL_WORDS)
    safety_words = models.TextField(_("safety event words"), default=defaults.SAFETY_WORDS)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up call within (days)"), default=defaults.FOLLOW_UP_DAYS
    )
    # Hold (僵持): the level clock may pause while the complaint is on Hold, for at most hold_max_hours per level.
    hold_pauses_clock = models.BooleanField(_("Hold pauses the level clock"), default=defaults.HOLD_PAUSES_CLOCK)
    hold_max_hours = models.PositiveSmallIntegerField(_("longest pause per level (h)"), default=defaults.HOLD_MAX_HOURS)
    # Raised each time the deadline settings (clock, hours, levels, opening hours) change; see ComplaintPolicyVersion.
    version = models.PositiveIntegerField(_("policy version"), default=1)

    class Meta:
        verbose_name = _("complaint policy")
        verbose_name_plural = _("complaint policies")

    def __str__(self) -> str:
        return str(self.store)


class ComplaintPolicyVersion(models.Model):
    """One saved state of a store's deadline settings, so each complaint can say which policy set its deadlines."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="complaint_policy_versions")
    number = models.PositiveIntegerField(_("version"))
    saved_at = models.DateTimeField(_("saved"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # The deadline settings of this version: clock, hours per level, first contact, weekly opening hours.
    values = models.JSONField(default=dict)
    # What the care director chose for the open complaints: recomputed, or kept their promised deadlines.
    applied = models.CharField(_("open complaints"), max_length=10, blank=True)
    recomputed = models.PositiveIntegerField(_("complaints recomputed"), default=0)

    class Meta:
        verbose_name = _("complaint policy version")
        verbose_name_plural = _("complaint policy versions")
        ordering = ["store", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="complaint_policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.store} · v{self.number}"


class ComplaintReason(models.Model):
    """A sub-reason of a category, editable per store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="complaint_reasons")
    category = models.CharField(_("category"), max_length=2, choices=ComplaintCategory.choices)
    name = models.CharField(_("reason"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("complaint reason")
        verbose_name_plural = _("complaint reasons")
        ordering = ["store", "category", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "category", "name"], name="complaint_reason_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.name}"


class Complaint(models.Model):
    """A customer complaint (投诉/抱怨) as the seed 004 tracking form holds it, with its SLA clocks."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="complaints")
    number = models.CharField(_("number"), max_length=30)
    # The manufacturer's (CAC) or other system's case number; intake through the API is idempotent on it.
    external_case_no = models.CharField(_("manufacturer case number"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    category = models.CharField(_("category"), max_length=2, choices=ComplaintCategory.choices)
    reason = models.ForeignKey(ComplaintReason, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    nature = models.CharField(
        _("nature"), max_length=15, choices=ComplaintNature.choices, default=ComplaintNature.GENERAL
    )
    # Who and what it is about; the copied fields keep what the customer told us even without an archive match.
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints")
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    customer_name = models.CharField(_("customer"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    model = models.CharField(_("model"), max_length=50, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    content = models.TextField(_("complaint content"))
    background = models.TextField(_("customer background"), blank=True)
    demand = models.TextField(_("customer demand"), blank=True)
    compensation_demand = models.DecimalField(
        _("compensation demanded (RMB)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The call answers that opened it, copied so the complaint reads on its own: [{"question", "answer"}].
    source_answers = models.JSONField(_("answers of the call"), default=list, blank=True)
    responsible_department = models.CharField(_("responsible department"), max_length=50, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints_owned"
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=ComplaintLevel.choices, default=ComplaintLevel.FRONT_LINE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.ONGOING
    )
    received_at = models.DateTimeField(_("received"))
    first_contact_due = models.DateTimeField(_("first contact due"))
    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    # Deadline of the current level; NULL at level 4 (the manufacturer has no deadline of ours) and when closed.
    level_due_at = models.DateTimeField(_("level deadline"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    # The level clock: `clock_used` seconds of it were used before `clock_from`, and it runs from there
    # (NULL = from escalated_at, else received_at). level_due_at = clock_from + (level hours − used), in the
    # store's clock; a pause (Hold) moves clock_from to when the clock runs again.
    clock_from = models.DateTimeField(_("level clock runs from"), null=True, blank=True)
    clock_used = models.PositiveIntegerField(_("level clock used (s)"), default=0)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    pause_until = models.DateTimeField(_("clock paused until"), null=True, blank=True)
    held_seconds = models.PositiveIntegerField(_("paused at this level (s)"), default=0)
    # The ComplaintPolicyVersion number that computed the deadlines (NULL: set before versions were kept).
    policy_version = models.PositiveIntegerField(_("deadlines from policy version"), null=True, blank=True)
    media_report_due = models.DateTimeField(_("written report due"), null=True, blank=True)
    media_reported_at = models.DateTimeField(_("written report sent"), null=True, blank=True)
    # Seed 004: "already handled by the dealer and the floor manager without agreement" (a major-complaint rule).
    refused_by_manager = models.BooleanField(_("already refused by dealer and manager"), default=False)
    is_major = models.BooleanField(_("major complaint"), default=False)
    # Which rules fired: [{"rule": "media_legal", "detail": "记者, 曝光"}, ...]
    major_reasons = models.JSONField(_("why major"), default=list, blank=True)
    actions = models.TextField(_("actions and tracking"), blank=True)
    repair_status = models.TextField(_("current repair status"), blank=True)
    result = models.TextField(_("final result"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    is_valid = models.BooleanField(_("valid complaint"), null=True, blank=True)
    invalid_reason = models.CharField(_("why invalid"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="complaint_unique_number"),
            models.UniqueConstraint(
                fields=["store", "external_case_no"],
                condition=~models.Q(external_case_no=""),
                name="complaint_unique_external_case",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "level_due_at"]),
            models.Index(fields=["store", "received_at"]),
            models.Index(fields=["status", "first_contact_due"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.customer_name}"


class ComplaintEvent(models.Model):
    """One entry of a complaint's timeline: who did what, when and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("what"), max_length=15, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(_("why / note"), blank=True)
    # Escalations carry the level deadline they answer, so a sweep cannot escalate the same deadline twice.
    key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "key"], condition=~models.Q(key=""), name="complaint_event_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


def attachment_path(instance: "ComplaintAttachment", filename: str) -> str:
    return f"complaints/{instance.complaint.store_id}/{instance.complaint_id}/{filename}"


class ComplaintAttachment(models.Model):
    """A photo, document or recording on a complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ComplaintFollowUp(models.Model):
    """The satisfaction call after closing (seed 002/004: within 3 days); unsatisfied reopens the complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="follow_ups")
    task = models.OneToOneField(FollowUpTask, on_delete=models.CASCADE, related_name="complaint_follow_up")
    # Which closing this follows (1 for the first, 2 after one reopening...).
    round = models.PositiveSmallIntegerField(default=1)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint follow-up")
        verbose_name_plural = _("complaint follow-ups")
        constraints = [models.UniqueConstraint(fields=["complaint", "round"], name="complaint_follow_up_round")]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.round}"
