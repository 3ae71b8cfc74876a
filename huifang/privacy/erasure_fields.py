"""What erasure does to each field: a policy table for the fields that need a decision, a generic rule for
every other field, so models added later (survey links, consent records...) are covered without a change here.

Generic rule for a row owned by an erased customer (see erasure.owned_ids):
- keys, numbers, dates, booleans and fields with choices stay, so counts, scores, amounts and KPIs add up;
- a text field in a unique constraint gets a unique placeholder "ERASED-<id>";
- any other text is cleared ("" where blank is allowed, "[已删除]" otherwise), JSON gets its empty default;
- uploaded files (recordings, attachments) are deleted and the field cleared."""

from enum import StrEnum

from django.db import models


class Strategy(StrEnum):
    KEEP = "keep"
    CLEAR = "clear"
    REDACT = "redact"
    PLACEHOLDER = "placeholder"
    YEAR_ONLY = "year_only"
    FILE = "file"
    JSON_EMPTY = "json_empty"


REDACTED = "[已删除]"
PLACEHOLDER_PREFIX = "ERASED-"
# What replaces a personal value found inside free text elsewhere (notifications, audit trails, logs).
MASK = "***"

S = Strategy
# Fields that the generic rule would get wrong. Keys are "app_label.ModelName".
FIELD_POLICY: dict[str, dict[str, Strategy]] = {
    "archive.Customer": {
        "name": S.PLACEHOLDER,
        # Age statistics keep working on the year; the day identifies the person.
        "birthday": S.YEAR_ONLY,
        "occupation": S.KEEP,  # retained customers by occupation (seed 002)
        "level": S.KEEP,
        "category": S.KEEP,
        "club_level": S.KEEP,
        "language": S.KEEP,
    },
    "archive.Contact": {"name": S.PLACEHOLDER},
    "archive.Vehicle": {"brand": S.KEEP, "model": S.KEEP, "trim": S.KEEP},  # statistics per model
    "archive.RepairOrder": {"number": S.KEEP, "advisor_name": S.KEEP, "technician_name": S.KEEP},
    "archive.RepairOrderLine": {"code": S.KEEP, "description": S.KEEP},  # labour and parts, not the person
    "complaints.Complaint": {
        "number": S.KEEP,
        "external_case_no": S.KEEP,
        "model": S.KEEP,
        "responsible_department": S.KEEP,
        "major_reasons": S.KEEP,
        "customer_name": S.PLACEHOLDER,
    },
    "complaints.ComplaintEvent": {"key": S.KEEP, "from_status": S.KEEP, "to_status": S.KEEP},
    "followups.FollowUpTask": {"subject": S.KEEP, "occurrence_key": S.KEEP},
    "messaging.OutboxMessage": {"idempotency_key": S.KEEP, "provider_message_id": S.KEEP},
    "workbench.CallRecord": {"advisor_name": S.KEEP, "issue_reasons": S.KEEP},
}

# Models never walked as "owned" rows: the data-rights log keeps its link to the customer; the audit trail is
# handled through its generic relation (content type + object id) in erasure.py.
NOT_OWNED = frozenset({"privacy.DataRightsRequest", "audit.AuditEntry"})
# Framework tables that never hold customer rows.
SKIP_APPS = frozenset({"contenttypes", "sessions", "auth", "django_q"})

TEXT_FIELDS = (models.CharField, models.TextField)


def model_key(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _unique_fields(model: type[models.Model]) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            # A unique field guarded by "not blank" is safe to clear; every other one needs a unique value.
            condition = str(constraint.condition or "")
            names.update(name for name in constraint.fields if f"'{name}', ''" not in condition)
    for together in model._meta.unique_together:
        names.update(together)
    return names


def strategy_for(model: type[models.Model], field: models.Field) -> Strategy:
    """What erasure does to `field` of a row owned by an erased customer."""
    explicit = FIELD_POLICY.get(model_key(model), {}).get(field.name)
    if explicit is not None:
        return explicit
    if field.primary_key or field.is_relation or field.choices:
        return S.KEEP
    if isinstance(field, models.FileField):
        return S.FILE
    if isinstance(field, models.JSONField):
        return S.JSON_EMPTY
    if isinstance(field, TEXT_FIELDS):
        if field.name in _unique_fields(model):
            return S.PLACEHOLDER
        return S.CLEAR if field.blank else S.REDACT
    return S.KEEP


def field_plan(model: type[models.Model]) -> dict[str, Strategy]:
    """Every concrete field of `model` that erasure changes, with its strategy."""
    plan = {f.name: strategy_for(model, f) for f in model._meta.concrete_fields}
    return {name: strategy for name, strategy in plan.items() if strategy != S.KEEP}


def scrub_fields(model: type[models.Model]) -> list[models.Field]:
    """The free-text and JSON columns searched for leftover personal values (phones, plates, names...)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS + (models.JSONField,))
        and not f.choices
        and not f.primary_key
        and not isinstance(f, models.FileField)
    ]
