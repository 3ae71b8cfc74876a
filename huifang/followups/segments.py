"""A follow-up rule's customer segment (seed 002 客户细分): which customers its sweep makes tasks for."""

from datetime import datetime

from django.db import transaction

from huifang.accounts.models import User
from huifang.archive.segments import segment_clean
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from . import services
from .models import FollowUpRule


def rule_segment_set(
    *, rule: FollowUpRule, segment: dict | None, club_levels: set[int], actor: User | None, now: datetime
):
    """Limit the rule to a segment ({} = every customer); validated, audited when it changes."""
    clean = segment_clean(segment, club_levels=club_levels)
    with transaction.atomic():
        locked = FollowUpRule.objects.select_for_update().get(pk=rule.pk)
        if clean != (locked.segment or {}):
            FollowUpRule.objects.filter(pk=locked.pk).update(segment=clean)
            audit_record(
                obj=locked,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                source="web",
                changes={"segment": [locked.segment or {}, clean]},
            )
    rule.refresh_from_db()
    return rule


def rule_update_with_segment(
    *, rule: FollowUpRule, segment: dict | None, club_levels: set[int], actor: User | None, now: datetime, **values
) -> FollowUpRule:
    """The rule screen's save: the rule's values and its segment together, or neither."""
    with transaction.atomic():
        services.rule_update(rule=rule, actor=actor, now=now, **values)
        return rule_segment_set(rule=rule, segment=segment, club_levels=club_levels, actor=actor, now=now)
