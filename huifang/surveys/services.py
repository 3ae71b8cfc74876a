"""Writes of survey links: the store's policy, making and sending a link, the fallback chain sweep and a
customer's answer (stored as a call record, with the hot alert)."""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many, field_changes
from huifang.complaints.selectors import store_users_with_roles
from huifang.core.links import absolute_url
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.messaging import services as messaging_services
from huifang.messaging.choices import MessageChannel, TemplateKind
from huifang.messaging.models import MessageTemplate, OutboxMessage
from huifang.notifications.services import notify
from huifang.robots import alerts as robot_alerts
from huifang.workbench import rules as call_rules
from huifang.workbench import services as workbench_services
from huifang.workbench.choices import IssueAction
from huifang.workbench.models import CallRecord

from . import defaults, rules
from .choices import LinkState
from .models import SurveyLink, SurveyPolicy
from .tokens import token_make, token_read

SOURCE = "surveys"
# Who hears of a hot survey answer at once (issue 8 §3: "alerts the service manager").
HOT_ALERT_ROLES = (Role.SERVICE_MANAGER,)
POLICY_FIELDS = (
    "chain_enabled",
    "link_valid_days",
    "sms_enabled",
    "email_enabled",
    "email_after_days",
    "resurvey_after_days",
    "dissatisfied_scale_10",
    "dissatisfied_scale_5",
    "dissatisfied_no",
    "hot_total_below",
)
# Outcomes of a call in which the customer answered the questionnaire.
ANSWERED_OUTCOMES = tuple(workbench_services.COMPLETED)


class LinkClosed(Exception):
    """The link can no longer be answered (already answered, or expired); `state` says which."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


# --- Policy -------------------------------------------------------------------------------------------


def policy_for(*, store: Store) -> SurveyPolicy:
    """The store's survey rules, created with the defaults the first time they are asked for."""
    policy, _created = SurveyPolicy.objects.get_or_create(store=store)
    return policy


def policies_ensure() -> int:
    """Give every store without one a default survey policy (one INSERT); returns how many were added."""
    missing = Store.objects.filter(survey_policy__isnull=True).values_list("pk", flat=True)
    rows = [SurveyPolicy(store_id=pk) for pk in missing]
    SurveyPolicy.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def policy_validate(values: dict) -> None:
    """Raise ValidationError {field: message} for values the chain or the alert could not use."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This setting does not exist.")})
    errors: dict[str, str] = {}
    checks = {
        "link_valid_days": (1, 90, _("A link is valid for 1 to 90 days.")),
        "email_after_days": (0, 30, _("The e-mail goes 0 to 30 days after the SMS.")),
        "resurvey_after_days": (0, 365, _("Between 0 and 365 days.")),
        "dissatisfied_scale_10": (1, 10, _("Between 1 and 10.")),
        "dissatisfied_scale_5": (1, 5, _("Between 1 and 5.")),
        "hot_total_below": (0, 100, _("Between 0 and 100.")),
    }
    for field, (low, high, message) in checks.items():
        if field not in values:
            continue
        value = values[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = message
    for field in ("chain_enabled", "sms_enabled", "email_enabled", "dissatisfied_no"):
        if field in values and not isinstance(values[field], bool):
            errors[field] = _("Yes or no.")
    if errors:
        raise ValidationError(errors)


def policy_update(*, store: Store, actor: User | None, now: datetime, **values) -> SurveyPolicy:
    """Change the store's survey rules; the changed fields are audited, nothing is written on bad input."""
    policy_validate(values)
    policy = policy_for(store=store)
    with transaction.atomic():
        locked = SurveyPolicy.objects.select_for_update().get(pk=policy.pk)
        changes = field_changes({f: getattr(locked, f) for f in values}, values)
        if changes:
            SurveyPolicy.objects.filter(pk=locked.pk).update(**values)
            audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source="web", changes=changes)
    policy.refresh_from_db()
    return policy


def thresholds(policy: SurveyPolicy) -> dict:
    return {
        "dissatisfied_scale_10": policy.dissatisfied_scale_10,
        "dissatisfied_scale_5": policy.dissatisfied_scale_5,
        "dissatisfied_no": policy.dissatisfied_no,
        "hot_total_below": policy.hot_total_below,
    }


# --- Links ----------------------------------------------------------------------------------------------


def link_token(link: SurveyLink) -> str:
    return token_make(link_id=link.pk, nonce=link.nonce)


def link_url(link: SurveyLink) -> str:
    """The absolute address a customer opens (SITE_URL + /s/<token>/)."""
    path = reverse("surveys:answer", kwargs={"token": link_token(link)})
    return absolute_url(path)


def _new_link(task: FollowUpTask, *, policy: SurveyPolicy, now: datetime) -> SurveyLink:
    return SurveyLink(
        store_id=task.store_id,
        task_id=task.pk,
        customer_id=task.customer_id,
        nonce=secrets.token_urlsafe(16),
        created_at=now,
        expires_at=now + timedelta(days=policy.link_valid_days),
    )


def _recently_surveyed(*, since: datetime) -> Q:
    """Tasks whose customer answered a call or a link, or was sent a link, since `since` (issue 8 §2)."""
    answered_call = CallRecord.objects.filter(
        customer=OuterRef("customer"), outcome__in=ANSWERED_OUTCOMES, ended_at__gte=since
    )
    linked = SurveyLink.objects.filter(customer=OuterRef("customer")).filter(
        Q(created_at__gte=since) | Q(answered_at__gte=since)
    )
    return Q(Exists(answered_call)) | Q(Exists(linked))


def link_create(*, task: FollowUpTask, actor: User | None, now: datetime) -> SurveyLink:
    """The task's survey link, made now if it has none (one link per task); audited when made."""
    if task.kind != RuleKind.POST_SERVICE_CALL:
        raise ValidationError({"task": _("Only a post-service call has a survey link.")})
    existing = SurveyLink.objects.filter(task=task).first()
    if existing is not None:
        return existing
    policy = policy_for(store=task.store)
    with transaction.atomic():
        SurveyLink.objects.bulk_create([_new_link(task, policy=policy, now=now)], ignore_conflicts=True)
        link = SurveyLink.objects.get(task=task)
        if link.created_at == now:
            audit_record(obj=link, action=AuditAction.CREATE, at=now, actor=actor, source=SOURCE)
    return link


def link_renew(*, link: SurveyLink, actor: User | None, now: datetime) -> SurveyLink:
    """A fresh link for an unanswered task (the customer lost it, or it expired): a new nonce, so the old
    address stops working, valid for the store's period from now; audited. An answered link stays as it is."""
    if link.answered_at is not None:
        raise ValidationError({"renew": _("This survey has already been answered.")})
    policy = policy_for(store=link.store)
    before = link.expires_at
    link.nonce = secrets.token_urlsafe(16)
    link.expires_at = now + timedelta(days=policy.link_valid_days)
    with transaction.atomic():
        link.save(update_fields=["nonce", "expires_at"])
        audit_record(
            obj=link,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            source=SOURCE,
            changes={"expires_at": [before.isoformat(), link.expires_at.isoformat()], "renewed": True},
        )
    return link


def link_send(
    *, link: SurveyLink, channel: str, now: datetime, template: MessageTemplate | None = None
) -> OutboxMessage | None:
    """Queue the link on `channel` through the outbox (which applies opt-outs, consent and quiet hours and
    keeps a suppressed row when the customer opted out); once per link and channel. None without template."""
    field = "sms" if channel == MessageChannel.SMS else "email"
    unsent = SurveyLink.objects.filter(pk=link.pk, **{f"{field}_at__isnull": True})
    if not messaging_services.address_for(customer=link.customer, channel=channel):
        # Nowhere to send it (like the repair SMS: no row); the step counts as done so the chain moves on.
        unsent.update(**{f"{field}_at": now})
        return None
    template = template or messaging_services.template_for(
        store=link.store, kind=TemplateKind.SURVEY_LINK, channel=channel
    )
    if template is None:
        return None
    task = link.task
    message = messaging_services.message_queue(
        store=link.store,
        customer=link.customer,
        channel=channel,
        purpose=template.purpose,
        template=template,
        context={"survey_url": link_url(link), "plate": getattr(task.vehicle, "plate", "") or ""},
        now=now,
        # The nonce changes when staff renew the link, so the renewed link is sent again (once).
        idempotency_key=f"survey-link:{link.pk}:{link.nonce[:8]}:{channel}",
        related=link,
    )
    unsent.update(**{f"{field}_message": message, f"{field}_at": now})
    return message


def chain_applies(*, task: FollowUpTask) -> bool:
    """Whether an unreachable task starts the survey chain (a post-service call of a store with it on)."""
    if task.kind != RuleKind.POST_SERVICE_CALL:
        return False
    return policy_for(store=task.store).chain_enabled


def chain_start(*, task: FollowUpTask, now: datetime) -> SurveyLink | None:
    """An unreachable post-service call: make its link and queue the SMS, unless the customer was surveyed
    within the store's re-survey period (then None, nothing made)."""
    policy = policy_for(store=task.store)
    since = now - timedelta(days=policy.resurvey_after_days)
    fresh = FollowUpTask.objects.filter(pk=task.pk).exclude(_recently_surveyed(since=since)).exists()
    if not fresh and not SurveyLink.objects.filter(task=task).exists():
        return None
    link = link_create(task=task, actor=None, now=now)
    if policy.sms_enabled and link.answered_at is None:
        link_send(link=link, channel=MessageChannel.SMS, now=now)
        link.refresh_from_db()
    return link


def _answered_since_link() -> Exists:
    return Exists(
        CallRecord.objects.filter(
            customer=OuterRef("customer"), outcome__in=ANSWERED_OUTCOMES, ended_at__gte=OuterRef("created_at")
        )
    )


def _chain_store(*, policy: SurveyPolicy, now: datetime) -> dict[str, int]:
    counts = {"links": 0, "sms": 0, "email": 0}
    since = now - timedelta(days=policy.resurvey_after_days)
    candidates = (
        FollowUpTask.objects.filter(
            store_id=policy.store_id,
            kind=RuleKind.POST_SERVICE_CALL,
            status=TaskStatus.UNREACHABLE,
            closed_at__gte=now - timedelta(days=defaults.LOOKBACK_DAYS),
            survey_link__isnull=True,
        )
        .exclude(_recently_surveyed(since=since))
        .order_by("customer_id", "pk")
        .only("pk", "store_id", "customer_id")
    )
    # One link per customer per run: two unreachable tasks of one customer are one survey.
    first_per_customer = {t.customer_id: t for t in candidates[: defaults.BATCH_SIZE]}
    new = [_new_link(t, policy=policy, now=now) for t in first_per_customer.values()]
    if new:
        with transaction.atomic():
            SurveyLink.objects.bulk_create(new, ignore_conflicts=True)
            made = SurveyLink.objects.filter(
                store_id=policy.store_id, created_at=now, task__in=list(first_per_customer.values())
            )
            audit_record_many(audit_entry(obj=link, action=AuditAction.CREATE, at=now, source=SOURCE) for link in made)
            counts["links"] = len(made)
    live = SurveyLink.objects.filter(store_id=policy.store_id, answered_at__isnull=True, expires_at__gt=now).exclude(
        _answered_since_link()
    )
    # The store's templates once per run, not once per message.
    store = policy.store
    templates = {
        channel: messaging_services.template_for(store=store, kind=TemplateKind.SURVEY_LINK, channel=channel)
        for channel in (MessageChannel.SMS, MessageChannel.EMAIL)
    }
    if policy.sms_enabled and templates[MessageChannel.SMS] is not None:
        for link in live.filter(sms_at__isnull=True).select_related("store", "customer", "task__vehicle")[
            : defaults.BATCH_SIZE
        ]:
            message = link_send(link=link, channel=MessageChannel.SMS, now=now, template=templates[MessageChannel.SMS])
            counts["sms"] += message is not None
    if policy.email_enabled and templates[MessageChannel.EMAIL] is not None:
        due = now - timedelta(days=policy.email_after_days)
        for link in (
            live.filter(email_at__isnull=True)
            .filter(Q(sms_at__lte=due) | Q(sms_at__isnull=True, created_at__lte=due))
            .select_related("store", "customer", "task__vehicle")[: defaults.BATCH_SIZE]
        ):
            message = link_send(
                link=link, channel=MessageChannel.EMAIL, now=now, template=templates[MessageChannel.EMAIL]
            )
            counts["email"] += message is not None
    return counts


def chain_run(*, now: datetime, store: Store | None = None) -> dict[str, int]:
    """The fallback chain sweep (idempotent: twice = once): links for unreachable post-service calls, the SMS,
    then the e-mail once due; it stops for a link answered or a call answered since the link was made."""
    policies_ensure()
    policies = SurveyPolicy.objects.filter(chain_enabled=True).select_related("store").order_by("store_id")
    if store is not None:
        policies = policies.filter(store=store)
    totals = {"links": 0, "sms": 0, "email": 0}
    # One pass per store: each has its own periods, so the candidate queries differ only by those values.
    for policy in policies:
        for key, count in _chain_store(policy=policy, now=now).items():
            totals[key] += count
    return totals


# --- The customer's side ------------------------------------------------------------------------------------


def link_from_token(token: str) -> SurveyLink | None:
    """The link a genuine token names; None for an altered token or a nonce that does not match."""
    parsed = token_read(token)
    if parsed is None:
        return None
    link_id, nonce = parsed
    link = SurveyLink.objects.select_related("store", "customer", "task").filter(pk=link_id).first()
    if link is None or not constant_time_compare(link.nonce, nonce):
        return None
    return link


def link_opened(*, link: SurveyLink, now: datetime) -> None:
    """Remember when the customer first opened the link (staff see "opened")."""
    SurveyLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)


def _complaint_url(call: CallRecord) -> str:
    try:
        return reverse("complaints:detail", kwargs={"complaint_id": call.complaint_id})
    except NoReverseMatch:
        return ""


def link_answer(*, link: SurveyLink, now: datetime, answers: dict, comment: str = "") -> CallRecord:
    """Store the customer's answers once, as a call record of the task (so they count in CSS); a hot answer
    opens a complaint and alerts the service managers at once. ValidationError names the question;
    LinkClosed when the link was answered or expired meanwhile. Nothing is half-written."""
    state = rules.link_state(answered_at=link.answered_at, expires_at=link.expires_at, now=now)
    if state != LinkState.OPEN:
        raise LinkClosed(state)
    questionnaire = workbench_services.questionnaire_current(store=link.store, now=now)
    cleaned = workbench_services.answers_clean(questionnaire=questionnaire, answers=answers, require=True)
    comment = (comment or "").strip()[:2000]
    facts = [call_rules.AnswerFact(q.code, q.text, q.kind, value) for q, value, _text in cleaned]
    score = call_rules.weighted_score((q.kind, q.weight, value) for q, value, _text in cleaned)
    policy = policy_for(store=link.store)
    actions = call_rules.issue_actions(
        facts, workbench_services.policy_values(workbench_services.call_policy_for(store=link.store))
    )
    hot = rules.hot_reasons(facts, score, thresholds(policy))
    actions += [(IssueAction.COMPLAINT, reason) for reason in hot]
    with transaction.atomic():
        # The guarded claim: of two submissions at once, one wins; the other finds the link answered.
        claimed = SurveyLink.objects.filter(pk=link.pk, answered_at__isnull=True, expires_at__gt=now).update(
            answered_at=now
        )
        if claimed != 1:
            link.refresh_from_db()
            raise LinkClosed(rules.link_state(answered_at=link.answered_at, expires_at=link.expires_at, now=now))
        call = workbench_services.call_record_from_link(
            task=link.task, now=now, questionnaire=questionnaire, answers=cleaned, actions=actions, comment=comment
        )
        SurveyLink.objects.filter(pk=link.pk).update(call=call)
        audit_record(
            obj=link,
            action=AuditAction.UPDATE,
            at=now,
            source=SOURCE,
            changes={"answered_at": now.isoformat(), "call": call.pk, "hot": hot},
        )
        if hot:
            notify(
                users=store_users_with_roles(store=link.store, roles=HOT_ALERT_ROLES),
                store=link.store,
                now=now,
                title=_("Dissatisfied survey answer: %(customer)s") % {"customer": link.customer},
                body="\n".join(hot),
                url=_complaint_url(call) if call.complaint_id else "",
                key=f"surveys:hot:{link.pk}",
            )
            robot_alerts.survey_hot(
                link=link,
                call=call,
                now=now,
                reasons=hot,
                url=_complaint_url(call) if call.complaint_id else "",
            )
    link.refresh_from_db()
    return call
