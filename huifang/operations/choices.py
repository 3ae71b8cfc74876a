from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """Seed 002 车主活动: self-drive trips, safe-driving classes, owner gatherings."""

    SELF_DRIVE = "self_drive", _("Self-drive trip")
    SAFE_DRIVING = "safe_driving", _("Safe-driving class")
    GATHERING = "gathering", _("Owner gathering")
    OTHER = "other", _("Other event")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class SignupSource(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    CUSTOMER_PAGE = "customer_page", _("Customer page")
    LINK = "link", _("Signed link")
    API = "api", _("API")


class FigureSource(models.TextChoices):
    """Where a monthly figure on the staffing and statistics screens comes from."""

    ENTERED = "entered", _("Entered by the director")
    VEHICLES = "vehicles", _("Counted from vehicle purchase dates")
    REPAIR_ORDERS = "repair_orders", _("Counted from repair orders")


class DayState(models.TextChoices):
    SIGNED = "signed", _("Signed")
    UNSIGNED = "unsigned", _("Started, not signed")
    MISSING = "missing", _("Missing")
    PENDING = "pending", _("Today, not yet done")
    CLOSED = "closed", _("Lounge closed")


class CampaignStatus(models.TextChoices):
    """A group message (群发) from the moment it is submitted until every customer has been queued."""

    PENDING = "pending", _("Waiting for the worker")
    RUNNING = "running", _("Queueing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped with an error")
