"""Reads of survey links: what staff see of a task's link, and the stores whose policy a user edits."""

from datetime import datetime

from django.db.models import QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.core.compiled import CompiledQuery
from huifang.followups.models import FollowUpTask

from . import rules
from .models import SurveyLink

# Who edits the store's survey policy (brief §8: the care director sets the store's rules).
SETTINGS_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})


def policy_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=SETTINGS_ROLES).order_by("code")


# Read on every call screen: one SQL compiled once per process (core.compiled; issue 18).
_TASK_LINKS = CompiledQuery(
    lambda task_id: SurveyLink.objects.filter(task_id=task_id).select_related("sms_message", "email_message", "call"),
    "task_id",
)


def links_for_task(*, task: FollowUpTask, now: datetime) -> list[dict]:
    """The task's survey link as staff see it: state, when it was sent by SMS / e-mail and how that went."""
    links = _TASK_LINKS(task_id=task.pk)
    return [
        {
            "link": link,
            "state": rules.link_state(answered_at=link.answered_at, expires_at=link.expires_at, now=now),
            "sms": link.sms_message,
            "email": link.email_message,
        }
        for link in links
    ]
