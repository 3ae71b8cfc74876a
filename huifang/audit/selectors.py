from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import AuditEntry


def audit_for_object(*, obj: models.Model) -> QuerySet[AuditEntry]:
    """The trail of one record, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor")


def audit_for_objects(*, model: type[models.Model], ids) -> QuerySet[AuditEntry]:
    """The trail of several records of one model (a customer's vehicles, say), newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids)
    ).select_related("actor")
