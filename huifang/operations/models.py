"""Everyday operations (issue 9): lounge checklist, car club, staffing table, monthly figures."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus

from . import defaults
from .choices import CampaignStatus, EventKind, SignupSource, SignupStatus


class OperationsPolicy(models.Model):
    """Per-store operations rules, seeded with the defaults of defaults.py."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="operations_policy")
    lounge_max_score = models.PositiveSmallIntegerField(_("highest lounge score"), default=defaults.LOUNGE_MAX_SCORE)
    lounge_pass_score = models.PositiveSmallIntegerField(
        _("lowest compliant lounge score"), default=defaults.LOUNGE_PASS_SCORE
    )
    lounge_closed_weekdays = models.CharField(
        _("lounge closed on weekdays (0=Mon … 6=Sun, comma separated)"),
        max_length=20,
        blank=True,
        default=defaults.LOUNGE_CLOSED_WEEKDAYS,
    )
    invite_link_days = models.PositiveSmallIntegerField(
        _("invitation link valid (days)"), default=defaults.INVITE_LINK_DAYS
    )

    class Meta:
        verbose_name = _("operations policy")

    def __str__(self) -> str:
        return f"{self.store} operations policy"


class LoungeItem(models.Model):
    """One line of the store's lounge checklist (顾客休息室检查表 检查项目)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="lounge_items")
    position = models.PositiveSmallIntegerField(_("no."), default=0)
    title = models.CharField(_("item"), max_length=60)
    description = models.CharField(_("what to check"), max_length=255, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("lounge checklist item")
        ordering = ("position", "pk")
        constraints = [models.UniqueConstraint(fields=["store", "position"], name="lounge_item_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class LoungeChecklist(models.Model):
    """One day's lounge check of a store (顾客休息室检查表), signed by the checker (检查人)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="lounge_checklists")
    day = models.DateField(_("day"))
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("checker")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("lounge checklist")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="lounge_checklist_day_unique")]

    def __str__(self) -> str:
        return f"{self.store} {self.day}"


def _photo_path(instance, filename: str) -> str:
    return f"operations/lounge/{instance.checklist.store_id}/{instance.checklist.day:%Y/%m}/{filename}"


class LoungeScore(models.Model):
    """The score (评分), note (备注) and optional photo of one item on one day's checklist."""

    checklist = models.ForeignKey(LoungeChecklist, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(LoungeItem, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(_("score"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    photo = models.FileField(_("photo"), upload_to=_photo_path, blank=True)

    class Meta:
        verbose_name = _("lounge score")
        constraints = [models.UniqueConstraint(fields=["checklist", "item"], name="lounge_score_unique")]

    def __str__(self) -> str:
        return f"{self.checklist} {self.item_id}: {self.score}"


class ClubLevel(models.Model):
    """A car-club membership level (车友会会员级别) and its benefits."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="club_levels")
    name = models.CharField(_("level"), max_length=30)
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("car club level")
        ordering = ("rank", "pk")
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="club_level_name_unique")]

    def __str__(self) -> str:
        return self.name


class ClubMember(models.Model):
    """A customer's car-club membership (车友会会员)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="club_members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="club_memberships")
    level = models.ForeignKey(ClubLevel, on_delete=models.PROTECT, related_name="members")
    joined_on = models.DateField(_("joined"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("car club member")
        constraints = [models.UniqueConstraint(fields=["store", "customer"], name="club_member_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.level_id}"


class ClubEvent(models.Model):
    """A car-club event (车友会车主活动) with a capacity."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="club_events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=100)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    description = models.TextField(_("event details"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("car club event")
        ordering = ("-starts_at", "pk")

    def __str__(self) -> str:
        return self.title


class EventInvitation(models.Model):
    """An invitation sent to a member through the outbox; `outbox_status` copies what the outbox decided."""

    event = models.ForeignKey(ClubEvent, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(ClubMember, on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    outbox_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    outbox_status = models.CharField(_("outbox status"), max_length=30, blank=True, choices=MessageStatus.choices)
    invited_at = models.DateTimeField(_("invited"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("event invitation")
        constraints = [models.UniqueConstraint(fields=["event", "member", "channel"], name="event_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.member_id}"


class EventSignup(models.Model):
    """A member's sign-up (报名): confirmed within capacity, otherwise waitlisted; attendance marked later."""

    event = models.ForeignKey(ClubEvent, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(ClubMember, on_delete=models.CASCADE, related_name="signups")
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices)
    source = models.CharField(_("source"), max_length=15, choices=SignupSource.choices)
    signed_up_at = models.DateTimeField(_("signed up"))
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("event sign-up")
        ordering = ("signed_up_at", "pk")
        constraints = [models.UniqueConstraint(fields=["event", "member"], name="event_signup_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.member_id} {self.status}"


class StaffingCell(models.Model):
    """One cell of the store's 客服人力资源规划 table: a throughput bucket × a sales bucket → team."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staffing_cells")
    row = models.PositiveSmallIntegerField()
    column = models.PositiveSmallIntegerField()
    throughput_label = models.CharField(max_length=20)
    throughput_min = models.PositiveIntegerField(null=True, blank=True)
    throughput_max = models.PositiveIntegerField(null=True, blank=True)
    sales_label = models.CharField(max_length=20)
    sales_min = models.PositiveIntegerField(null=True, blank=True)
    sales_max = models.PositiveIntegerField(null=True, blank=True)
    directors = models.PositiveSmallIntegerField(_("care director"))
    specialists = models.PositiveSmallIntegerField(_("care specialists"))
    callers = models.PositiveSmallIntegerField(_("follow-up callers"))

    class Meta:
        verbose_name = _("staffing table cell")
        ordering = ("row", "column")
        constraints = [models.UniqueConstraint(fields=["store", "row", "column"], name="staffing_cell_unique")]

    def __str__(self) -> str:
        return f"{self.throughput_label} × {self.sales_label}: {self.formula}"

    @property
    def formula(self) -> str:
        return f"{self.directors}+{self.specialists}+{self.callers}"

    @property
    def total(self) -> int:
        return self.directors + self.specialists + self.callers


class MonthlyFigure(models.Model):
    """A store's monthly showroom sales (展厅销量) and workshop throughput (进厂台次), entered or imported."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="monthly_figures")
    month = models.DateField(_("month"))
    showroom_sales = models.PositiveIntegerField(_("showroom sales"), null=True, blank=True)
    workshop_throughput = models.PositiveIntegerField(_("workshop throughput"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("monthly figure")
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="monthly_figure_unique")]

    def __str__(self) -> str:
        return f"{self.store} {self.month:%Y-%m}"


class Campaign(models.Model):
    """A group message (群发): one template sent through the outbox to every customer of a segment.

    The outbox decides per customer (consent, opt-outs, marketing cap, quiet hours); the counts copy what it
    decided. `submit_token` comes with the form, so submitting the same form twice makes one campaign."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="campaigns")
    template = models.ForeignKey(
        "messaging.MessageTemplate", on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=MessagePurpose.choices)
    # archive/segments.py keys; {} = every customer of the store.
    segment = models.JSONField(_("customer segment"), default=dict, blank=True)
    submit_token = models.CharField(max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PENDING
    )
    total = models.PositiveIntegerField(_("customers in the segment"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    held = models.PositiveIntegerField(_("held for quiet hours"), default=0)
    suppressed_consent = models.PositiveIntegerField(_("not sent: opted out or no consent"), default=0)
    suppressed_cap = models.PositiveIntegerField(_("not sent: frequency cap"), default=0)
    failed = models.PositiveIntegerField(_("not sent: no address or template error"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("group message")
        ordering = ("-created_at", "-pk")
        constraints = [models.UniqueConstraint(fields=["store", "submit_token"], name="campaign_submit_once")]

    def __str__(self) -> str:
        return f"{self.store} #{self.pk} {self.created_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))

    @property
    def suppressed(self) -> int:
        return self.suppressed_consent + self.suppressed_cap + self.failed
