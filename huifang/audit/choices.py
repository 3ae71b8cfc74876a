from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    REVEAL_PHONE = "reveal_phone", _("Revealed phone number")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    ERASE = "erase", _("Erased (anonymised)")
