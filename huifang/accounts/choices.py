from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CARE_SPECIALIST = "care_specialist", _("Care specialist")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    CARE_DIRECTOR = "care_director", _("Care director")
    GROUP_MANAGER = "group_manager", _("Group manager")
    OEM_REGIONAL = "oem_regional", _("OEM regional manager")
    ADMIN = "admin", _("Administrator")


class Scope(models.TextChoices):
    """How far a membership reaches: one store, every store of a group, or every store of a region."""

    STORE = "store", _("Store")
    GROUP = "group", _("Dealer group")
    REGION = "region", _("Region")


# Roles whose work is calling customers, so they may reveal a full phone number (each reveal is logged).
ROLES_THAT_CALL = frozenset(
    {Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN}
)
# Roles that may import DMS exports and edit the archive.
ROLES_THAT_EDIT_ARCHIVE = frozenset({Role.CARE_SPECIALIST, Role.CARE_DIRECTOR, Role.SERVICE_MANAGER, Role.ADMIN})
# Roles that span a whole dealer group rather than one store (invited to the group).
GROUP_ROLES = frozenset({Role.GROUP_MANAGER})
# Roles that may create stores and invite users (the group's administrator; superusers always may).
SETUP_ROLES = frozenset({Role.ADMIN})
