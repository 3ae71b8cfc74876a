from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


# Appointments that still hold their slot and may still turn into a visit.
PENDING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


class ServiceKind(models.TextChoices):
    """What the customer comes for (issue: first service, maintenance, repair, claim, insurance)."""

    FIRST_SERVICE = "first_service", _("First free service")
    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    CLAIM = "claim", _("Warranty claim")
    INSURANCE = "insurance", _("Insurance / accident")


class AppointmentSource(models.TextChoices):
    """Where the booking was made."""

    CALL = "call", _("During a call")
    CUSTOMER_PAGE = "customer_page", _("Customer page")
    COMPLAINT = "complaint", _("Complaint")
    CUSTOMER_LINK = "customer_link", _("Customer's own link")
    DMS = "dms", _("DMS import")
    API = "api", _("API")


class EventKind(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMATION_SENT = "confirmation_sent", _("Confirmation sent")
    CONFIRMED = "confirmed", _("Confirmed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    REMINDER_SENT = "reminder_sent", _("Reminder sent")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
