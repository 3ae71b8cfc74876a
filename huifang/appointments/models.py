from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer, RepairOrder, Vehicle

from . import defaults
from .choices import AppointmentSource, AppointmentStatus, EventKind, ServiceKind


class AppointmentPolicy(models.Model):
    """A store's appointment settings (预约设置): slots, capacity, opening hours, reminders, texts."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="appointment_policy")
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=defaults.SLOT_MINUTES)
    slot_capacity = models.PositiveSmallIntegerField(
        _("bookings per slot (bays or advisors)"), default=defaults.SLOT_CAPACITY
    )
    day_start = models.TimeField(_("first slot"), default=defaults.DAY_START)
    day_end = models.TimeField(_("closing time"), default=defaults.DAY_END)
    open_weekdays = models.CharField(
        _("open weekdays"), max_length=7, default=defaults.OPEN_WEEKDAYS, help_text=_("0 = Monday … 6 = Sunday")
    )
    arrival_match_days = models.PositiveSmallIntegerField(
        _("arrival counts up to this many days after the slot"), default=defaults.ARRIVAL_MATCH_DAYS
    )
    no_show_after_hours = models.PositiveSmallIntegerField(
        _("no-show this many hours after the slot"), default=defaults.NO_SHOW_AFTER_HOURS
    )
    reminder_time = models.TimeField(_("day-before reminder at"), default=defaults.REMINDER_TIME)
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=defaults.BOOKING_HORIZON_DAYS
    )
    reminder_booking_days = models.PositiveSmallIntegerField(
        _("a booking counts for a reminder up to this many days after it"), default=defaults.REMINDER_BOOKING_DAYS
    )
    confirmation_text = models.TextField(_("confirmation SMS"), default=defaults.CONFIRMATION_TEXT)
    reminder_text = models.TextField(_("reminder SMS"), default=defaults.REMINDER_TEXT)

    class Meta:
        verbose_name = _("appointment policy")
        verbose_name_plural = _("appointment policies")

    def __str__(self) -> str:
        return f"{self.store} · {self._meta.verbose_name}"


class Appointment(models.Model):
    """A service appointment (预约): a vehicle's visit booked into a slot of the store."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appointments")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="appointments")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments")
    service = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advised_appointments",
        verbose_name=_("service advisor"),
    )
    starts_at = models.DateTimeField(_("slot"))
    ends_at = models.DateTimeField(_("slot end"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    source = models.CharField(_("booked from"), max_length=15, choices=AppointmentSource.choices)
    # The call task the booking came from (a reminder or post-service call), and the complaint, if any.
    task = models.ForeignKey(
        "followups.FollowUpTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    # The repair order that kept the appointment (matched by VIN or plate), and the no-show follow-up call.
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    no_show_task = models.ForeignKey(
        "followups.FollowUpTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dms_number = models.CharField(_("DMS appointment number"), max_length=50, blank=True)
    link_nonce = models.CharField(max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("booked at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    closed_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["store", "starts_at"]),
            models.Index(fields=["store", "status", "starts_at"]),
            models.Index(fields=["vehicle", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "dms_number"],
                condition=~models.Q(dms_number=""),
                name="appointment_unique_dms_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} · {self.customer} · {self.get_service_display()}"


class AppointmentEvent(models.Model):
    """What happened to an appointment, by whom and why (booked, rescheduled, cancelled, arrived …)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    by_customer = models.BooleanField(_("by the customer"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
