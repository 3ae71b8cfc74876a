from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    WECHAT = "wechat", _("WeChat")


class ContactRole(models.TextChoices):
    """Company-car contacts (seed 000 公司车)."""

    DRIVER = "driver", _("Driver")
    FLEET_MANAGER = "fleet_manager", _("Fleet/admin manager")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    OTHER = "other", _("Other")


class CustomerSource(models.TextChoices):
    SALE = "sale", _("Bought here")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class RepairOrderType(models.TextChoices):
    FIRST_FREE_SERVICE = "first_service", _("First free service")
    MAINTENANCE = "maintenance", _("Periodic maintenance")
    REPAIR = "repair", _("Repair")
    WARRANTY = "warranty", _("Warranty claim")
    INSURANCE = "insurance", _("Insurance / accident")
    RECALL = "recall", _("Recall")
    OTHER = "other", _("Other")


# Types that count as a maintenance visit for the maintenance interval (首保 and 定保).
MAINTENANCE_TYPES = (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.MAINTENANCE)
# Seed 002 segmentation: paid visits exclude free service, warranty and insurance.
UNPAID_TYPES = (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.WARRANTY, RepairOrderType.INSURANCE)


class LineKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    OTHER = "other", _("Other")


class MileageSource(models.TextChoices):
    REPAIR_ORDER = "repair_order", _("Repair order")
    DELIVERY = "delivery", _("Delivery")
    CALL = "call", _("Call")
    MANUAL = "manual", _("Manual")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRowOutcome(models.TextChoices):
    """What the import did with a row of the report: rejected, kept with a warning, or skipped (totals line)."""

    ERROR = "error", _("Rejected")
    WARNING = "warning", _("Kept with warning")
    SKIPPED = "skipped", _("Skipped")


class ActivityState(models.TextChoices):
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant (no visit for 6 months)")
    LOST = "lost", _("Lost")
    # Issue 14 §2: a new car never serviced within the store's period after delivery; not a lost customer.
    FIRST_SERVICE_LOST = "first_lost", _("First service lost (首保流失)")
