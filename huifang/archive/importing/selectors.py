"""Reads for the DMS import screens, scoped to the stores where the user may import."""

from django.db.models import QuerySet

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import stores_where_role

from ..models import ImportBatch, ImportMapping


def import_stores_for(*, user):
    """Stores where the user holds a role that may import (care specialist, care director, service manager, admin)."""
    return stores_where_role(user=user, roles=ROLES_THAT_EDIT_ARCHIVE).order_by("code")


def import_batches_for(*, user) -> QuerySet[ImportBatch]:
    """The user's stores' import batches, newest first."""
    return (
        ImportBatch.objects.filter(store__in=import_stores_for(user=user))
        .select_related("store", "created_by")
        .order_by("-created_at", "-pk")
    )


def saved_columns(*, store, name: str = "default") -> dict[str, str]:
    mapping = ImportMapping.objects.filter(store=store, name=name).first()
    return mapping.columns if mapping else {}
