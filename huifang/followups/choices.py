from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    """What turns the archive into a follow-up task (brief §3)."""

    POST_SERVICE_CALL = "post_service_call", _("Post-service call (修后回访)")
    FIRST_VISIT_SERIES = "first_visit_series", _("First-visit series (新客户回访)")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder (定保提醒)")
    FIRST_SERVICE_REMINDER = "first_service_reminder", _("First free service reminder (首保提醒)")
    FIRST_SERVICE_LOST = "first_service_lost", _("First service lost (首保流失)")
    WARRANTY_EXPIRY = "warranty_expiry", _("Warranty expiry (质保到期)")
    INSURANCE_RENEWAL = "insurance_renewal", _("Insurance renewal (续保)")
    INSPECTION_DUE = "inspection_due", _("Annual inspection (年检)")
    LICENCE_DUE = "licence_due", _("Licence renewal (证照年审)")
    LOST_CUSTOMER = "lost_customer", _("Lost customer (久未回厂/流失)")
    BIRTHDAY_GREETING = "birthday_greeting", _("Birthday greeting (生日祝福)")
    HOLIDAY_GREETING = "holiday_greeting", _("Holiday greeting (节日问候)")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Complaint follow-up (投诉回访)")
    APPOINTMENT_NO_SHOW = "appointment_no_show", _("Missed appointment (预约未到店回访)")


class TaskChannel(models.TextChoices):
    CALL = "call", _("Call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


class OwnerRule(models.TextChoices):
    """Who gets the task: the repair order's service advisor, the care team (balanced), or nobody (sent)."""

    RO_ADVISOR = "ro_advisor", _("The repair order's service advisor")
    CARE_TEAM = "care_team", _("The care team")
    AUTOMATIC = "automatic", _("Automatic (no person)")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    UNREACHABLE = "unreachable", _("Unreachable")
    CANCELLED = "cancelled", _("Cancelled")


class AttemptOutcome(models.TextChoices):
    """Contact attempt results (seed 000): who answered, and what happens next."""

    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    SWITCHED_OFF = "switched_off", _("Switched off")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    SOMEONE_ELSE = "someone_else", _("Answered by someone else")
    CALL_BACK = "call_back", _("Call back later")
    REFUSED = "refused", _("Refused")
    COMPLETED = "completed", _("Completed")


# Attempts that did not reach the owner; enough of them close the task as unreachable.
FAILED_OUTCOMES = frozenset(
    {
        AttemptOutcome.NO_ANSWER,
        AttemptOutcome.BUSY,
        AttemptOutcome.SWITCHED_OFF,
        AttemptOutcome.WRONG_NUMBER,
        AttemptOutcome.SOMEONE_ELSE,
    }
)
