from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintChannel(models.TextChoices):
    """Where a complaint came in (seed 004, brief §5)."""

    IN_STORE = "in_store", _("In store (到店)")
    PHONE = "phone", _("Phone (电话)")
    LETTER = "letter", _("Letter / e-mail (信函/邮件)")
    MANUFACTURER = "manufacturer", _("Forwarded by the manufacturer (厂家转交)")
    GOVERNMENT = "government", _("Government / consumer association (政府/消协)")
    MEDIA = "media", _("Media (媒体)")
    FOLLOW_UP_CALL = "follow_up_call", _("Follow-up call (回访)")
    SURVEY = "survey", _("Survey (调查)")


class ComplaintCategory(models.TextChoices):
    """Seed 004 categories."""

    SALES = "S", _("Sales (S)")
    SERVICE = "SA", _("Service (SA)")
    QUALITY = "SQ", _("Product quality (SQ)")
    PARTS = "SP", _("Parts (SP)")
    OTHER = "OT", _("Other (OT)")


class ComplaintNature(models.TextChoices):
    """Seed 004 form "nature": how far it may go."""

    GENERAL = "general", _("General (一般)")
    MEDIA_RISK = "media_risk", _("Potential media exposure (潜在媒体曝光)")
    CONSUMER_ASSOCIATION = "consumer_assoc", _("Consumer association (消协)")
    LEGAL = "legal", _("Legal action (法律诉讼)")


class ComplaintStatus(models.TextChoices):
    """Seed 004 status."""

    ONGOING = "ongoing", _("On-going (未有结论)")
    IN_PROCESS = "in_process", _("In process (处理中)")
    HOLD = "hold", _("Hold (僵持)")
    CLOSED = "closed", _("Closed (结案)")


OPEN_STATUSES = frozenset({ComplaintStatus.ONGOING, ComplaintStatus.IN_PROCESS, ComplaintStatus.HOLD})


class ComplaintLevel(models.IntegerChoices):
    """Who owns it now (seed 001): front line, department manager, senior management, manufacturer."""

    FRONT_LINE = 1, _("Level 1 · front line")
    DEPARTMENT = 2, _("Level 2 · department manager")
    SENIOR = 3, _("Level 3 · senior management")
    MANUFACTURER = 4, _("Level 4 · manufacturer's regional office")


class ClockKind(models.TextChoices):
    """Deadlines count calendar hours, or only the store's business hours on working days."""

    CALENDAR = "calendar", _("Calendar hours")
    BUSINESS = "business", _("Business hours")


class EventKind(models.TextChoices):
    """What happened on a complaint (its timeline)."""

    INTAKE = "intake", _("Complaint received")
    CONTACT = "contact", _("Customer contacted")
    STATUS = "status", _("Status changed")
    ASSIGN = "assign", _("Owner changed")
    ESCALATE = "escalate", _("Escalated")
    ACTION = "action", _("Action / tracking")
    MAJOR = "major", _("Major complaint flagged")
    MEDIA_REPORT = "media_report", _("Written report to the manufacturer")
    ATTACHMENT = "attachment", _("Attachment added")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    FOLLOW_UP = "follow_up", _("Follow-up call")
    CLOCK_PAUSED = "clock_paused", _("Level clock paused (Hold)")
    CLOCK_RESUMED = "clock_resumed", _("Level clock running again")
    DEADLINES = "deadlines", _("Deadlines recomputed")


class PolicyApply(models.TextChoices):
    """What a change of the deadline settings does to the open complaints (issue 15 §3)."""

    KEEP = "keep", _("Keep the deadlines already promised")
    RECOMPUTE = "recompute", _("Recompute their deadlines with the new settings")
