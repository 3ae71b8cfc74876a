"""Writes of the call workbench: questionnaire versions, scripts, the call policy, saving a call with its
answers, outcome and corrections, recordings, problem records and moving tasks between people."""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.archive.choices import Channel
from huifang.archive.services import customer_update
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.audit.services import audit_entry, audit_record, audit_record_many, field_changes
from huifang.complaints import services as complaint_services
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel
from huifang.core import clock
from huifang.core.compiled import CompiledQuery
from huifang.core.phones import PhoneError, parse_phone
from huifang.followups import rules as followup_rules
from huifang.followups.choices import FAILED_OUTCOMES, AttemptOutcome, RuleKind, TaskChannel, TaskStatus
from huifang.followups.defaults import CALL_CLAIM_MINUTES
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.services import attempt_move, attempt_record, attempt_validate, on_task_unreachable
from huifang.notifications.services import notify

from . import defaults, hand_out, rules, save_writes
from .choices import CallChannel, CallOutcome, IssueAction, ProblemStatus, QuestionKind, ScriptScenario
from .models import Answer, CallPolicy, CallRecord, CallScript, Problem, Question, Questionnaire

SOURCE = "workbench"

# --- Questionnaire -----------------------------------------------------------------------------------


def _settings_changed(*, store: Store) -> None:
    """Bulk writes send no post_save: they tell the per-process settings (store_settings) themselves."""
    from .store_settings import settings_changed  # it reads the settings through this module

    settings_changed(store_id=store.pk)


def questionnaire_current(*, store: Store, now: datetime | None = None) -> Questionnaire:
    """The store's questionnaire in use, creating version 1 from the seed 002 questions the first time."""
    current = Questionnaire.objects.filter(store=store, is_current=True).prefetch_related("questions").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            current = Questionnaire.objects.create(
                store=store,
                version=1,
                is_current=True,
                note="参考问卷（种子002）",
                created_at=now or clock.now(),
            )
            Question.objects.bulk_create(
                Question(questionnaire=current, position=i, **q) for i, q in enumerate(defaults.QUESTIONS, start=1)
            )
            _settings_changed(store=store)
    except IntegrityError:
        # Another request created it at the same moment.
        return Questionnaire.objects.prefetch_related("questions").get(store=store, is_current=True)
    return Questionnaire.objects.prefetch_related("questions").get(pk=current.pk)


def questions_validate(questions: list[dict]) -> list[dict]:
    """Clean questions of a new version, or raise ValidationError {"questions": ..., "question_<n>": ...}."""
    errors: dict[str, str] = {}
    cleaned: list[dict] = []
    seen: set[str] = set()
    if not questions:
        raise ValidationError({"questions": _("A questionnaire needs at least one question.")})
    for number, raw in enumerate(questions, start=1):
        key = f"question_{number}"
        code = str(raw.get("code", "")).strip()
        text = str(raw.get("text", "")).strip()
        kind = raw.get("kind", QuestionKind.SCALE_10)
        try:
            weight = Decimal(str(raw.get("weight", 0) or 0))
        except InvalidOperation:
            errors[key] = _("Question %(n)s: the weight is not a number.") % {"n": number}
            continue
        if not code or not code.replace("_", "").isalnum() or len(code) > 30:
            errors[key] = _("Question %(n)s: give a short code of letters, digits and _.") % {"n": number}
        elif code in seen:
            errors[key] = _("Question %(n)s: the code %(code)s is used twice.") % {"n": number, "code": code}
        elif not text:
            errors[key] = _("Question %(n)s: write the question.") % {"n": number}
        elif kind not in QuestionKind.values:
            errors[key] = _("Question %(n)s: unknown answer type.") % {"n": number}
        elif weight < 0 or weight > 100:
            errors[key] = _("Question %(n)s: the weight must be between 0 and 100.") % {"n": number}
        elif weight > 0 and kind == QuestionKind.TEXT:
            errors[key] = _("Question %(n)s: a free-text question cannot carry a weight.") % {"n": number}
        seen.add(code)
        cleaned.append(
            {"code": code, "text": text[:300], "kind": kind, "weight": weight, "required": bool(raw.get("required"))}
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def questionnaire_publish(
    *, store: Store, actor: User | None, now: datetime, questions: list[dict], note: str = ""
) -> Questionnaire:
    """Publish a new version of the store's questionnaire; calls made on older versions keep theirs."""
    cleaned = questions_validate(questions)
    with transaction.atomic():
        previous = questionnaire_current(store=store, now=now)
        # Lock the current row so two directors publishing at once get consecutive versions.
        previous = Questionnaire.objects.select_for_update().get(pk=previous.pk)
        last = Questionnaire.objects.filter(store=store).order_by("-version").values_list("version", flat=True).first()
        Questionnaire.objects.filter(store=store, is_current=True).update(is_current=False)
        created = Questionnaire.objects.create(
            store=store,
            version=(last or 0) + 1,
            is_current=True,
            note=note[:255],
            created_at=now,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        Question.objects.bulk_create(
            Question(questionnaire=created, position=i, **q) for i, q in enumerate(cleaned, start=1)
        )
        _settings_changed(store=store)
        audit_record(
            obj=created,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            source=SOURCE,
            changes={
                "version": [previous.version, created.version],
                "questions": [f"{q['code']}:{q['weight']}" for q in cleaned],
                "note": note,
            },
        )
    return created


# --- Scripts ---------------------------------------------------------------------------------------

# Placeholders a script may use (filled in by selectors.script_context).
SCRIPT_PLACEHOLDERS = frozenset(
    {
        "customer",
        "title",
        "advisor",
        "store",
        "plate",
        "model",
        "ro_items",
        "ro_amount",
        "delivered",
        "next_service_km",
        "next_service_date",
        "caller",
    }
)


def scripts_ensure_defaults(*, store: Store) -> int:
    """Give the store every default script (task kind × scenario) it lacks; returns how many were added."""
    have = set(CallScript.objects.filter(store=store).values_list("kind", "scenario"))
    missing = [
        CallScript(store=store, kind=kind, scenario=scenario, steps=steps)
        for kind, by_scenario in defaults.DEFAULT_SCRIPTS.items()
        for scenario, steps in by_scenario.items()
        if (kind, scenario) not in have
    ]
    if missing:
        CallScript.objects.bulk_create(missing, ignore_conflicts=True)
        _settings_changed(store=store)
    return len(missing)


def steps_validate(steps) -> list[dict]:
    """Clean script steps, or raise ValidationError {"steps": ...} naming the step and placeholder."""
    if not isinstance(steps, list) or not steps:
        raise ValidationError({"steps": _("A script needs at least one step.")})
    cleaned = []
    for number, step in enumerate(steps, start=1):
        title = str((step or {}).get("title", "")).strip() if isinstance(step, dict) else ""
        text = str((step or {}).get("text", "")).strip() if isinstance(step, dict) else ""
        if not title or not text:
            raise ValidationError({"steps": _("Step %(n)s needs a title and a text.") % {"n": number}})
        unknown = rules.placeholders_in([{"text": text}]) - SCRIPT_PLACEHOLDERS
        if unknown:
            raise ValidationError(
                {
                    "steps": _("Step %(n)s: unknown placeholder %(names)s; use %(known)s.")
                    % {
                        "n": number,
                        "names": ", ".join(f"{{{u}}}" for u in sorted(unknown)),
                        "known": ", ".join(f"{{{k}}}" for k in sorted(SCRIPT_PLACEHOLDERS)),
                    }
                }
            )
        cleaned.append({"title": title[:100], "text": text})
    return cleaned


def script_update(*, script: CallScript, actor: User | None, now: datetime, steps) -> CallScript:
    """Replace a store script's steps; the change is audited."""
    cleaned = steps_validate(steps)
    with transaction.atomic():
        locked = CallScript.objects.select_for_update().get(pk=script.pk)
        changes = field_changes({"steps": locked.steps}, {"steps": cleaned})
        if changes:
            CallScript.objects.filter(pk=locked.pk).update(steps=cleaned, updated_at=now)
            audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source=SOURCE, changes=changes)
    script.refresh_from_db()
    return script


def script_for(*, store: Store, kind: str, scenario: str) -> CallScript:
    """The store's script for a task kind and scenario; the post-service one when the kind has none."""
    scripts_ensure_defaults(store=store)
    row = CallScript.objects.filter(store=store, kind=kind, scenario=scenario).first()
    if row is None:
        row = CallScript.objects.filter(store=store, kind=kind, scenario=ScriptScenario.OWNER).first()
    if row is None:
        row = CallScript.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL, scenario=scenario)
    return row


# --- Call policy -----------------------------------------------------------------------------------

POLICY_FIELDS = ("low_overall_score", "low_overall_action", "no_return_action", "low_item_score", "low_item_action")


# The retry spacing of failed attempts (issue 14 §3), changed through call_policy_update too.
RETRY_FIELDS = (
    "retry_first_hours",
    "retry_later_days",
    "retry_times",
    "retry_other_time_hours",
    "unreachable_min_hours",
)


def retry_spacing_for(*, store: Store, policy: CallPolicy | None = None) -> followup_rules.RetrySpacing:
    """The store's spacing of failed call attempts, as the attempt rules take it (from `policy` when the caller
    has the store's call policy already)."""
    policy = policy if policy is not None else call_policy_for(store=store)
    try:
        times = followup_rules.parse_retry_times(policy.retry_times)
    except ValueError:
        times = followup_rules.RetrySpacing().times
    return followup_rules.RetrySpacing(
        first_hours=policy.retry_first_hours,
        later_days=policy.retry_later_days,
        times=times,
        other_time_hours=policy.retry_other_time_hours,
        unreachable_min_hours=policy.unreachable_min_hours,
    )


def call_policy_for(*, store: Store) -> CallPolicy:
    """The store's rules for opening complaints and problems from answers, created with the defaults."""
    policy, _created = CallPolicy.objects.get_or_create(store=store)
    return policy


def policy_values(policy: CallPolicy) -> dict:
    return {field: getattr(policy, field) for field in POLICY_FIELDS}


def call_policy_update(*, store: Store, actor: User | None, now: datetime, **values) -> CallPolicy:
    """Change the store's call policy; bad values raise ValidationError naming the field; audited."""
    unknown = set(values) - set(POLICY_FIELDS) - set(RETRY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if "retry_times" in values:
        try:
            times = followup_rules.parse_retry_times(values["retry_times"])
        except ValueError:
            errors["retry_times"] = _("Write times of day like 09:30,14:30,18:30.")
        else:
            values["retry_times"] = ",".join(f"{t:%H:%M}" for t in times)
    for field in ("retry_first_hours", "retry_later_days", "retry_other_time_hours", "unreachable_min_hours"):
        if field in values and (not isinstance(values[field], int) or values[field] < 0):
            errors[field] = _("A whole number, 0 or more.")
    for field in ("low_overall_score", "low_item_score"):
        if field in values and (not isinstance(values[field], int) or not 0 <= values[field] <= 10):
            errors[field] = _("A score from 0 to 10.")
    for field in ("low_overall_action", "no_return_action", "low_item_action"):
        if field in values and values[field] not in IssueAction.values:
            errors[field] = _("Unknown action.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = call_policy_for(store=store)
        policy = CallPolicy.objects.select_for_update().get(pk=policy.pk)
        changes = field_changes({f: getattr(policy, f) for f in values}, values)
        if changes:
            CallPolicy.objects.filter(pk=policy.pk).update(**values)
            audit_record(obj=policy, action=AuditAction.UPDATE, at=now, actor=actor, source=SOURCE, changes=changes)
    policy.refresh_from_db()
    return policy


# --- Handing out the next call -----------------------------------------------------------------------


def next_task_hand_out(
    *,
    user: User,
    now: datetime,
    store: Store | None = None,
    skip_id: int | None = None,
    stores: list[Store] | None = None,
) -> FollowUpTask | None:
    """Hand `user` their most urgent task callable now (selectors.next_task_for's order) and hold it for them
    alone for CALL_CLAIM_MINUTES: two agents pressing "next" at once, or a manager moving the task meanwhile,
    never get the same task. `skip_id`: the task just passed over unsaved, given back and not offered again.
    The hold is a lease, not a change of the task: it is not audited; the saved call is. `stores`: the user's
    workbench stores when the caller has them (selectors.workbench_stores_marked). The task is read with its
    store, customer, vehicle and repair order (the API shows them); the screen needs only the id:
    next_task_id_hand_out."""
    task_id = next_task_id_hand_out(user=user, now=now, store=store, skip_id=skip_id, stores=stores)
    if task_id is None:
        return None
    return FollowUpTask.objects.select_related("store", "customer", "vehicle", "repair_order").get(pk=task_id)


def next_task_id_hand_out(
    *,
    user: User,
    now: datetime,
    store: Store | None = None,
    skip_id: int | None = None,
    stores: list[Store] | None = None,
    quiet_rules: dict | None = None,
) -> int | None:
    """next_task_hand_out's hand-out, giving the id of the task held (workbench.hand_out: hand-written SQL
    with the same guarantees). `quiet_rules`: the stores' (store_settings.quiet_rules_kept) when the caller
    has read them."""
    from .selectors import workbench_stores_for  # selectors import this module
    from .store_settings import quiet_rules_kept

    stores = list(workbench_stores_for(user=user)) if stores is None else stores
    if store is not None:
        stores = [s for s in stores if s.pk == store.pk]
    if skip_id is not None:
        hand_out.task_release(task_id=skip_id, user_id=user.pk)
    return hand_out.task_claim_first(
        user_id=user.pk,
        now=now,
        until=now + timedelta(minutes=CALL_CLAIM_MINUTES),
        stores=stores,
        quiet_rules=quiet_rules if quiet_rules is not None else quiet_rules_kept(stores=stores),
        skip_id=skip_id,
    )


# --- Saving a call ---------------------------------------------------------------------------------

COMPLETED = frozenset({CallOutcome.SATISFIED, CallOutcome.WITH_ISSUE})
# What a not-reached call may have been (followups attempt outcomes).
NOT_REACHED_OUTCOMES = frozenset(FAILED_OUTCOMES | {AttemptOutcome.CALL_BACK})
# The calls' outcomes, kept per process (`CallOutcome.values` builds its list anew on every use).
CALL_OUTCOMES = frozenset(CallOutcome.values)
# Corrections of basic data (seed 000 "确认基本资料的正确性") and the customer field each one changes.
CORRECTION_FIELDS = {
    "phone": "mobile",
    "mobile": "mobile",
    "home_phone": "home_phone",
    "office_phone": "office_phone",
    "address": "address",
    "best_contact_time": "best_contact_time",
    "preferred_channel": "preferred_channel",
    "email": "email",
}
AUDIO_EXTENSIONS = (".mp3", ".wav", ".m4a", ".amr", ".ogg", ".aac", ".wma", ".flac", ".opus", ".webm")
RECORDING_MAX_BYTES = 50 * 1024 * 1024


def corrections_clean(corrections: dict | None) -> dict:
    """{customer field: clean value} of the corrections, or ValidationError {field: message}."""
    values: dict = {}
    errors: dict[str, str] = {}
    for key, raw in (corrections or {}).items():
        if key not in CORRECTION_FIELDS:
            errors[key] = _("This field cannot be corrected during a call.")
            continue
        field = CORRECTION_FIELDS[key]
        value = (raw or "").strip() if isinstance(raw, str) else raw
        if value is None:
            continue
        if field in ("mobile", "home_phone", "office_phone"):
            if value:
                try:
                    value = parse_phone(value).e164
                except PhoneError:
                    errors[key] = _("Not a phone number: %(value)s") % {"value": raw}
                    continue
        elif field == "preferred_channel":
            if value and value not in Channel.values:
                errors[key] = _("Unknown channel.")
                continue
        elif field == "email":
            if value:
                try:
                    validate_email(value)
                except ValidationError:
                    errors[key] = _("Not an e-mail address.")
                    continue
        elif field == "address":
            value = value[:255]
        elif field == "best_contact_time":
            value = value[:100]
        values[field] = value
    if errors:
        raise ValidationError(errors)
    return values


def recording_validate(*, file=None, url: str = "") -> None:
    """A recording is an audio file or an http(s) link of the phone system."""
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
            raise ValidationError({"recording_url": _("The recording link must start with http:// or https://.")})
    if file is not None:
        content_type = (getattr(file, "content_type", "") or "").lower()
        name = (getattr(file, "name", "") or "").lower()
        if not (content_type.startswith("audio/") or (not content_type and name.endswith(AUDIO_EXTENSIONS))):
            raise ValidationError({"recording": _("The recording must be an audio file (mp3, wav, m4a, amr...).")})
        if (getattr(file, "size", 0) or 0) > RECORDING_MAX_BYTES:
            raise ValidationError({"recording": _("The recording is larger than 50 MB.")})


def answer_display(question: Question, value: int | None, text: str) -> str:
    """An answer in words, as a complaint shows it ("3/10", "否", "3/5 · 等了很久")."""
    if question.kind == QuestionKind.YES_NO and value is not None:
        shown = "是" if value else "否"
    elif value is not None:
        shown = f"{value}/{rules.SCALE_MAX[question.kind]}"
    else:
        shown = ""
    return " · ".join(part for part in (shown, text.strip()) if part) or "—"


def answers_clean(
    *, questionnaire: Questionnaire, answers: dict | None, require: bool
) -> list[tuple[Question, int | None, str]]:
    """[(question, value, text)] of the answers given; ValidationError {"answer_<code>": message} names
    the question of an unknown code, a value off its scale, or a required question left out."""
    questions = list(questionnaire.questions.all())
    by_code = {q.code: q for q in questions}
    errors: dict[str, str] = {}
    cleaned: list[tuple[Question, int | None, str]] = []
    for code, raw in (answers or {}).items():
        question = by_code.get(code)
        if question is None:
            errors[f"answer_{code}"] = _("Unknown question %(code)s.") % {"code": code}
            continue
        raw = raw if isinstance(raw, dict) else {"value": raw}
        value = raw.get("value")
        text = str(raw.get("text") or "").strip()
        if value in ("", None):
            value = None
        else:
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[f"answer_{code}"] = _("%(question)s: not a number.") % {"question": question.text}
                continue
        if question.kind == QuestionKind.TEXT and value is not None:
            errors[f"answer_{code}"] = _("%(question)s: answer in words only.") % {"question": question.text}
            continue
        if not rules.value_in_scale(question.kind, value):
            errors[f"answer_{code}"] = _("%(question)s: %(value)s is not on the scale %(low)s–%(high)s.") % {
                "question": question.text,
                "value": value,
                "low": rules.SCALE_MIN[question.kind],
                "high": rules.SCALE_MAX[question.kind],
            }
            continue
        if value is None and not text:
            continue
        cleaned.append((question, value, text))
    if require:
        answered = {q.code for q, value, text in cleaned if value is not None or q.kind == QuestionKind.TEXT}
        for question in questions:
            if question.required and question.code not in answered and f"answer_{question.code}" not in errors:
                errors[f"answer_{question.code}"] = _("%(question)s: an answer is required.") % {
                    "question": question.text
                }
    if errors:
        raise ValidationError(errors)
    return cleaned


def _complaint_content(
    *, task: FollowUpTask, reasons: list[str], comment: str, answers, intro: str = "回访中发现问题"
) -> str:
    # Stored data, read later in any language setting: written in Chinese like the answers it quotes.
    lines = [intro + "：" + "；".join(reasons) + "。"]
    if comment:
        lines.append("回访员备注：" + comment)
    lines.extend(f"{q.text} {answer_display(q, value, text)}" for q, value, text in answers)
    return "\n".join(lines)


def call_issue_open(
    *,
    call: CallRecord,
    task: FollowUpTask,
    actor: User | None,
    now: datetime,
    action: str,
    reasons: list[str],
    comment: str,
    answers,
    channel: str = ComplaintChannel.FOLLOW_UP_CALL,
    intro: str = "回访中发现问题",
) -> Problem | None:
    """Open what `action` asks for on a saved call (inside the caller's transaction): a complaint linked to
    the call, or a problem record for the advisor (notified); returns the problem record, if one."""
    ro = task.repair_order
    if action == IssueAction.COMPLAINT:
        complaint, _created = complaint_services.complaint_intake(
            store=task.store,
            actor=actor,
            now=now,
            channel=channel,
            category=ComplaintCategory.SERVICE,
            content=_complaint_content(task=task, reasons=reasons, comment=comment, answers=answers, intro=intro),
            customer=task.customer,
            vehicle=task.vehicle,
            repair_order=ro,
            source_answers=[
                {"question": q.text, "answer": answer_display(q, value, text)} for q, value, text in answers
            ],
        )
        CallRecord.objects.filter(pk=call.pk).update(complaint=complaint)
        call.complaint = complaint
        return None
    if action != IssueAction.PROBLEM:
        return None
    problem = Problem.objects.create(
        store=task.store,
        call=call,
        customer=task.customer,
        repair_order=ro,
        assigned_to=call.advisor or call.caller,
        description="\n".join(reasons + ([comment] if comment else [])),
        created_at=now,
    )
    audit_record(obj=problem, action=AuditAction.CREATE, at=now, actor=actor, source=SOURCE)
    if problem.assigned_to is not None:
        notify(
            users=[problem.assigned_to],
            store=task.store,
            now=now,
            title=_("Problem record from a follow-up call: %(customer)s") % {"customer": task.customer},
            body=problem.description,
            url=_problems_url(),
            key=f"workbench:problem:{problem.pk}",
        )
    return problem


def call_record_save(
    *,
    task: FollowUpTask,
    actor: User | None,
    now: datetime,
    outcome: str,
    answers: dict | None = None,
    comment: str = "",
    started_at: datetime | None = None,
    corrections: dict | None = None,
    relation: str = "",
    best_time: str = "",
    callback_at: datetime | None = None,
    recording=None,
    recording_url: str = "",
    attempt_outcome: str = AttemptOutcome.NO_ANSWER,
    kept=None,
) -> CallRecord:
    """Save one call on a task in one transaction: the contact attempt (moving the task on), the answers
    and their weighted score, corrections of the customer's data, and the complaint or problem record
    the store's call policy asks for; raises ValidationError {field: message} and then writes nothing.
    `kept`: the store's settings as the request read them (store_settings.settings_for), else read here."""
    errors: dict[str, str] = {}
    if outcome not in CALL_OUTCOMES:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    if task.channel != TaskChannel.CALL:
        raise ValidationError({"task": _("This task is not a call.")})
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"task": _("This task is already closed.")})
    if outcome == CallOutcome.NOT_REACHED:
        if attempt_outcome not in NOT_REACHED_OUTCOMES:
            errors["attempt_outcome"] = _("Say why the customer was not reached.")
        elif attempt_outcome == AttemptOutcome.CALL_BACK and callback_at is None:
            errors["callback_at"] = _("A call back needs the time to call back.")
        elif callback_at is not None and callback_at <= now:
            errors["callback_at"] = _("The call back time must be in the future.")
    if started_at is not None and started_at > now:
        errors["started_at"] = _("The call cannot start after it ended.")
    if errors:
        raise ValidationError(errors)
    recording_validate(file=recording, url=recording_url)
    fixes = corrections_clean(corrections)
    completed = outcome in COMPLETED
    is_complaint_follow_up = task.kind == RuleKind.COMPLAINT_FOLLOW_UP
    questionnaire = None
    if completed:
        questionnaire = kept.questionnaire if kept is not None else questionnaire_current(store=task.store, now=now)
    call_policy = kept.call_policy if kept is not None else None
    cleaned = (
        answers_clean(questionnaire=questionnaire, answers=answers, require=task.kind == RuleKind.POST_SERVICE_CALL)
        if questionnaire is not None
        else []
    )
    ro = task.repair_order
    advisor = ro.advisor if ro is not None else None
    score = rules.weighted_score((q.kind, q.weight, value) for q, value, _text in cleaned)
    actions: list[tuple[str, str]] = []
    if completed and not is_complaint_follow_up:
        policy = call_policy if call_policy is not None else call_policy_for(store=task.store)
        actions = rules.issue_actions(
            [rules.AnswerFact(q.code, q.text, q.kind, value) for q, value, _text in cleaned], policy_values(policy)
        )
        if outcome == CallOutcome.WITH_ISSUE and not actions:
            # The caller heard a problem the answers do not show; the advisor sorts it out.
            actions = [(IssueAction.PROBLEM, "回访员记录：有问题")]
    action = rules.strongest_action(actions)
    if action != IssueAction.NONE:
        outcome = CallOutcome.WITH_ISSUE
    reasons = [reason for _action, reason in actions]

    if completed:
        attempt_kind = AttemptOutcome.COMPLETED
    elif outcome == CallOutcome.REFUSED:
        attempt_kind = AttemptOutcome.REFUSED
    else:
        attempt_kind = attempt_outcome
    attempt_callback = callback_at if attempt_kind == AttemptOutcome.CALL_BACK else None
    try:
        attempt_validate(outcome=attempt_kind, callback_at=attempt_callback)
    except ValueError as exc:
        raise ValidationError({"task": _("This task is already closed.")}) from exc  # as attempt_record's refusal
    caller = actor if actor is not None and actor.is_authenticated else None
    # Set-based (issue 18): the task is locked and read once, then written once (its move and the release of
    # the caller's hold in one UPDATE), and both audit entries (the task's move, the call) go in one INSERT.
    with transaction.atomic():
        locked = _task_locked(task=task, actor=actor, now=now)
        if locked.status != TaskStatus.OPEN:
            raise ValidationError({"task": _("This task is already closed.")})
        failed_before = save_writes.failed_before(task_id=task.pk) if attempt_kind in FAILED_OUTCOMES else []
        move = attempt_move(
            task=task,
            max_failed_attempts=locked.rule.max_failed_attempts,
            time_zone=task.store.time_zone,
            failed_before=failed_before,
            actor=actor,
            now=now,
            outcome=attempt_kind,
            note=comment,
            relation=relation,
            best_time=best_time,
            callback_at=attempt_callback,
            spacing=retry_spacing_for(store=task.store, policy=call_policy),
        )
        update = dict(move.update)
        if caller is not None and locked.claimed_by_id == caller.pk:
            update.update(claimed_by=None, claimed_until=None)  # call_task_release: the call is saved
        unreachable = move.status == TaskStatus.UNREACHABLE
        if unreachable:
            move.attempt.save(force_insert=True)
            if update:
                FollowUpTask.objects.filter(pk=task.pk).update(**update)
        for field in ("status", "next_call_at", "closed_at", "claimed_by", "claimed_until"):
            if field in update:
                setattr(task, field, update[field])
        task_entry = audit_entry(
            obj=task, action=AuditAction.UPDATE, at=now, actor=actor, source="web", changes=move.changes
        )
        if unreachable:
            # The trail says the task closed before what closing it sends (attempt_record's order).
            task_entry.save()
            task_entry = None
            on_task_unreachable(task, now=now, actor=actor)
        call = CallRecord(
            store=task.store,
            task=task,
            attempt=move.attempt,
            # By id: the save's task read leaves the customer and the vehicle out (selectors.task_for_save).
            customer_id=task.customer_id,
            vehicle_id=task.vehicle_id,
            repair_order=ro,
            advisor=advisor,
            advisor_name=(ro.advisor_name if ro is not None else "") or (str(advisor) if advisor else ""),
            caller=caller,
            questionnaire=questionnaire,
            outcome=outcome,
            started_at=started_at,
            ended_at=now,
            duration_seconds=int((now - started_at).total_seconds()) if started_at is not None else None,
            score=score,
            comment=comment,
            issue_reasons=reasons,
            recording_url=recording_url,
        )
        if recording is not None:
            call.recording.save(getattr(recording, "name", "recording"), recording, save=False)
        recorded = bool(recording) or bool(recording_url)
        if unreachable:
            call.save(force_insert=True)
            if cleaned:
                Answer.objects.bulk_create(
                    [Answer(call=call, question=q, value=value, text=text) for q, value, text in cleaned]
                )
        else:
            # The question by id: the statement fills in the call (save_writes) and nothing reads the relations.
            answer_rows = [Answer(question_id=q.pk, value=value, text=text) for q, value, text in cleaned]
            # Attempt, task, call and answers in one statement (save_writes); both audit entries in it too when
            # nothing is written after the call (no complaint or problem, no complaint follow-up, no corrections).
            last = action == IssueAction.NONE and not (is_complaint_follow_up and completed) and not fixes
            save_writes.call_rows_write(
                attempt=move.attempt,
                update=update,
                call=call,
                answers=answer_rows,
                entries=[task_entry] if last else [],
                call_entry=_call_entry(
                    call=call, task=task, actor=actor, now=now, cleaned=cleaned, problem=None, fixes=fixes,
                    recorded=recorded,
                ) if last else None,
            )  # fmt: skip
            if last:
                return call
        problem = call_issue_open(
            call=call, task=task, actor=actor, now=now, action=action, reasons=reasons, comment=comment, answers=cleaned
        )
        if is_complaint_follow_up and completed:
            complaint_services.complaint_follow_up_record(
                task=task, actor=actor, now=now, satisfied=outcome == CallOutcome.SATISFIED, note=comment
            )
        if fixes:
            customer_update(customer=task.customer, actor=actor, now=now, via=SOURCE, **fixes)
        call_entry = _call_entry(
            call=call, task=task, actor=actor, now=now, cleaned=cleaned, problem=problem, fixes=fixes, recorded=recorded
        )
        audit_record_many([entry for entry in (task_entry, call_entry) if entry is not None])
    return call


def _call_entry(
    *, call: CallRecord, task: FollowUpTask, actor: User | None, now: datetime, cleaned, problem, fixes, recorded: bool
) -> AuditEntry:
    """The saved call's audit entry (before the call has its id when save_writes fills it in)."""
    return audit_entry(
        obj=call,
        action=AuditAction.CREATE,
        at=now,
        actor=actor,
        source=SOURCE,
        changes={
            "task": task.pk,
            "outcome": call.outcome,
            "score": call.score,
            "answers": {q.code: value for q, value, _text in cleaned},
            "complaint": call.complaint.number if call.complaint else None,
            "problem": problem.pk if problem else None,
            "corrections": sorted(fixes),
            "recording": recorded,
        },
    )


# The task row of a call being saved, locked: who holds it, its status and its rule's limit of failed tries.
_TASK_LOCKED = CompiledQuery(
    lambda task_id: (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("rule")
        .only("id", "status", "claimed_by_id", "claimed_until", "rule__id", "rule__max_failed_attempts")
        .filter(pk=task_id)
    ),
    "task_id",
)


def _task_locked(*, task: FollowUpTask, actor: User | None, now: datetime) -> FollowUpTask:
    """The task row locked for the call's transaction; refuses a call on a task that "next" handed to someone
    else who may be on the phone with the customer now (a manager who moved it, a colleague who opened it from
    the queue)."""
    locked = _TASK_LOCKED(task_id=task.pk)[0]
    holder_id, until = locked.claimed_by_id, locked.claimed_until
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    if holder_id is not None and holder_id != actor_id and until is not None and until > now:
        holder = User.objects.filter(pk=holder_id).first()
        raise ValidationError(
            {
                "task": _("%(person)s is on this call (held for them until %(at)s); it cannot be saved twice.")
                % {"person": holder, "at": f"{until.astimezone(ZoneInfo(task.store.time_zone)):%H:%M}"}
            }
        )
    return locked


def call_record_from_link(
    *,
    task: FollowUpTask,
    now: datetime,
    questionnaire: Questionnaire,
    answers: list[tuple[Question, int | None, str]],
    actions: list[tuple[str, str]],
    comment: str = "",
) -> CallRecord:
    """Store a customer's answers given on a survey link as a call record of the task (channel "link"), so
    they count in CSS like a call's; opens what `actions` ask for, as a dissatisfied call does. The caller
    holds the transaction; an open task is closed as done, a closed one (unreachable) keeps its status."""
    ro = task.repair_order
    locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if locked.status == TaskStatus.OPEN:
        attempt = attempt_record(task=locked, actor=None, now=now, outcome=AttemptOutcome.COMPLETED, note="问卷链接")
    else:
        attempt = ContactAttempt.objects.create(
            task=locked, at=now, outcome=AttemptOutcome.COMPLETED, note="问卷链接 / answered on the survey link"
        )
    action = rules.strongest_action(actions)
    reasons = [reason for _action, reason in actions]
    call = CallRecord.objects.create(
        store=task.store,
        task=task,
        attempt=attempt,
        customer=task.customer,
        vehicle=task.vehicle,
        repair_order=ro,
        advisor=ro.advisor if ro is not None else None,
        advisor_name=(ro.advisor_name if ro is not None else "") or (str(ro.advisor) if ro and ro.advisor else ""),
        questionnaire=questionnaire,
        outcome=CallOutcome.WITH_ISSUE if action != IssueAction.NONE else CallOutcome.SATISFIED,
        channel=CallChannel.LINK,
        ended_at=now,
        score=rules.weighted_score((q.kind, q.weight, value) for q, value, _text in answers),
        comment=comment,
        issue_reasons=reasons,
    )
    Answer.objects.bulk_create(Answer(call=call, question=q, value=value, text=text) for q, value, text in answers)
    problem = call_issue_open(
        call=call,
        task=task,
        actor=None,
        now=now,
        action=action,
        reasons=reasons,
        comment=comment,
        answers=answers,
        channel=ComplaintChannel.SURVEY,
        intro="问卷链接中发现问题",
    )
    audit_record(
        obj=call,
        action=AuditAction.CREATE,
        at=now,
        actor=None,
        source="surveys",
        changes={
            "task": task.pk,
            "channel": CallChannel.LINK,
            "outcome": call.outcome,
            "score": call.score,
            "answers": {q.code: value for q, value, _text in answers},
            "complaint": call.complaint.number if call.complaint else None,
            "problem": problem.pk if problem else None,
        },
    )
    return call


def recording_attach(*, call: CallRecord, actor: User | None, now: datetime, file=None, url: str = "") -> CallRecord:
    """Attach the call's recording: an audio file or a link from the phone system; audited."""
    if file is None and not url:
        raise ValidationError({"recording": _("Attach an audio file or give a link.")})
    recording_validate(file=file, url=url)
    with transaction.atomic():
        locked = CallRecord.objects.select_for_update().get(pk=call.pk)
        changes: dict = {}
        if file is not None:
            locked.recording.save(getattr(file, "name", "recording"), file, save=False)
            changes["recording"] = locked.recording.name
        if url:
            changes["recording_url"] = [locked.recording_url, url]
            locked.recording_url = url
        locked.save(update_fields=["recording", "recording_url"])
        audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source=SOURCE, changes=changes)
    call.refresh_from_db()
    return call


def problem_resolve(*, problem: Problem, actor: User | None, now: datetime, resolution: str) -> Problem:
    """Close a problem record with what was done; audited."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the problem was resolved.")})
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if locked.status == ProblemStatus.RESOLVED:
            raise ValidationError({"resolution": _("This problem is already resolved.")})
        Problem.objects.filter(pk=locked.pk).update(
            status=ProblemStatus.RESOLVED, resolved_at=now, resolution=resolution
        )
        audit_record(
            obj=locked,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            source=SOURCE,
            changes={"status": [ProblemStatus.OPEN, ProblemStatus.RESOLVED], "resolution": resolution},
        )
    problem.refresh_from_db()
    return problem


def tasks_move(*, task_ids, to_user: User, store: Store, actor: User | None, now: datetime) -> int:
    """Move the selected open tasks of `store` to `to_user` (one UPDATE); ids of other stores or closed
    tasks are left alone; every moved task is audited. Returns how many moved."""
    ids = sorted({int(pk) for pk in task_ids})
    with transaction.atomic():
        rows = list(
            FollowUpTask.objects.select_for_update()
            .filter(pk__in=ids, store=store, status=TaskStatus.OPEN)
            .exclude(assigned_to=to_user)
            .only("pk", "store_id", "kind", "subject", "occurrence_key", "assigned_to_id")
        )
        if not rows:
            return 0
        FollowUpTask.objects.filter(pk__in=[t.pk for t in rows]).update(assigned_to=to_user)
        audit_record_many(
            audit_entry(
                obj=t,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                source=SOURCE,
                changes={"assigned_to": [t.assigned_to_id, to_user.pk]},
            )
            for t in rows
        )
    return len(rows)


def tasks_assign(*, tasks, to_user: User, actor: User | None, now: datetime) -> int:
    """Move the given tasks (of any of the actor's stores) to `to_user`, store by store; see tasks_move."""
    by_store: dict[int, list[int]] = {}
    for task in tasks:
        by_store.setdefault(task.store_id, []).append(task.pk)
    stores = Store.objects.in_bulk(list(by_store))
    return sum(
        tasks_move(task_ids=ids, to_user=to_user, store=stores[store_id], actor=actor, now=now)
        for store_id, ids in by_store.items()
    )


def _problems_url() -> str:
    try:
        return reverse("workbench:problems")
    except NoReverseMatch:
        return ""


def problems_remind(*, now: datetime) -> int:
    """Remind each holder of problem records open for PROBLEM_REMIND_AFTER_DAYS or more, once a day per
    problem (notify is idempotent on its key); returns how many reminders were new."""
    cutoff = now - timedelta(days=defaults.PROBLEM_REMIND_AFTER_DAYS)
    rows = (
        Problem.objects.filter(status=ProblemStatus.OPEN, created_at__lte=cutoff, assigned_to__isnull=False)
        .select_related("store", "customer", "assigned_to")
        .order_by("pk")
    )
    sent = 0
    for problem in rows.iterator(chunk_size=500):
        age = (now - problem.created_at).days
        sent += notify(
            users=[problem.assigned_to],
            store=problem.store,
            now=now,
            title=_("Problem record open for %(days)d days: %(customer)s")
            % {"days": age, "customer": problem.customer},
            body=problem.description,
            url=_problems_url(),
            key=f"workbench:problem:{problem.pk}:remind:{now:%Y-%m-%d}",
        )
    return sent
