from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.audit.choices import AuditAction


class RequestKind(models.TextChoices):
    """What a data-rights request did (PIPL arts. 45 and 47: copy and deletion)."""

    EXPORT = "export", _("Export of personal data")
    ERASE = "erase", _("Erasure (anonymisation)")


# Recorded in AuditEntry.action for an erasure. The audit app's choices do not list it yet; the access log
# labels it itself (the lead may add it to AuditAction).
ERASE_ACTION = "erase"

# What the access log shows: every reveal of a full number, every export and every erasure (issue 8 §7).
LOGGED_ACTIONS = {
    AuditAction.REVEAL_PHONE: _("Revealed phone number"),
    AuditAction.EXPORT: _("Exported"),
    ERASE_ACTION: _("Erased (anonymised)"),
}
