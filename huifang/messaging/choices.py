from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


# The outbox also carries staff messages to the store's DingTalk / WeCom work group (huifang.robots): a
# channel of the outbox only, never one a customer is written to, consents to or opts out of.
ROBOT_CHANNEL = "robot"
OUTBOX_CHANNEL_CHOICES = [*MessageChannel.choices, (ROBOT_CHANNEL, _("Work-group robot"))]


class MessagePurpose(models.TextChoices):
    """Service messages follow up the customer's own visit; marketing needs consent and respects the cap."""

    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")


class OptOutScope(models.TextChoices):
    """What an opt-out covers on its channel: every message, or marketing only."""

    ALL = "all", _("All messages")
    MARKETING = "marketing", _("Marketing only")


class TemplateKind(models.TextChoices):
    """Seed 003 kinds (节日问候型, 有用信息型, 实用技巧型, 维修回访型) and the reminders the rules send."""

    HOLIDAY_GREETING = "holiday_greeting", _("Holiday greeting")
    USEFUL_INFORMATION = "useful_information", _("Useful information")
    TIPS = "tips", _("Practical tips")
    REPAIR_FOLLOW_UP = "repair_follow_up", _("Repair follow-up")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
    SURVEY_LINK = "survey_link", _("Survey link")
    GENERIC = "generic", _("Generic")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD_QUIET_HOURS = "held_quiet_hours", _("Held (quiet hours)")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED_OPT_OUT = "suppressed_opt_out", _("Suppressed (opted out / no consent)")
    SUPPRESSED_CAP = "suppressed_cap", _("Suppressed (frequency cap)")


class OptOutSource(models.TextChoices):
    CALL = "call", _("Said so on a call")
    SMS_REPLY = "sms_reply", _("Replied to an SMS (e.g. TD)")
    EMAIL = "email", _("Unsubscribed by e-mail")
    IN_STORE = "in_store", _("Told staff in the store")
    IMPORT = "import", _("DMS import")
    OTHER = "other", _("Other")


# Statuses still waiting to be sent; a release sweep or a delivery task picks them up.
PENDING_STATUSES = (MessageStatus.QUEUED, MessageStatus.HELD_QUIET_HOURS)
# Statuses that count against the marketing frequency cap (what was, or is about to be, sent).
CAP_COUNTED_STATUSES = (
    MessageStatus.QUEUED,
    MessageStatus.HELD_QUIET_HOURS,
    MessageStatus.SENDING,
    MessageStatus.SENT,
)


class ConsentChannel(models.TextChoices):
    """Channels a consent covers: the message channels plus the telephone (calls)."""

    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


class ConsentPurpose(models.TextChoices):
    """Same values as MessagePurpose, so a message's purpose names its consent purpose."""

    SERVICE = "service", _("Service reminders")
    MARKETING = "marketing", _("Marketing and greetings")


class ConsentState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentSource(models.TextChoices):
    DMS_IMPORT = "dms_import", _("DMS import")
    FRONT_DESK = "front_desk", _("Front desk")
    SURVEY_PAGE = "survey_page", _("Survey page")
    UNSUBSCRIBE_PAGE = "unsubscribe_page", _("Unsubscribe page")
    CALL = "call", _("Said so on a call")
    SMS_REPLY = "sms_reply", _("Replied to an SMS (e.g. TD)")
    EMAIL = "email", _("Unsubscribed by e-mail")
    API = "api", _("API")
    # A general "accepts marketing" flag held before per-channel records, split into one record per channel.
    EARLIER = "earlier", _("Earlier general consent")
    OTHER = "other", _("Other")


# How an opt-out's source reads as a consent source (opt-outs are also recorded as withdrawn consent).
OPTOUT_TO_CONSENT_SOURCE = {
    OptOutSource.CALL: ConsentSource.CALL,
    OptOutSource.SMS_REPLY: ConsentSource.SMS_REPLY,
    OptOutSource.EMAIL: ConsentSource.EMAIL,
    OptOutSource.IN_STORE: ConsentSource.FRONT_DESK,
    OptOutSource.IMPORT: ConsentSource.DMS_IMPORT,
    OptOutSource.OTHER: ConsentSource.OTHER,
}
