"""Workbench JSON API: every action of the call screen, for a phone system or a mobile client.

Objects are fetched through store-scoped selectors, so another store's id answers 404 like an id that
does not exist; 403 means "you see this store but your role may not do that"; 422 names the field.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from ninja import File, Form, Query, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from huifang.accounts.models import User
from huifang.accounts.selectors import has_role, may_reveal_phone
from huifang.archive.api_selectors import store_for_user
from huifang.archive.services import PHONE_FIELDS, contact_phone_reveal, phone_reveal
from huifang.core import clock
from huifang.core.api_errors import invalid
from huifang.core.api_params import RowId, RowIdOrZero
from huifang.core.phones import mask_phone
from huifang.followups.choices import RuleKind

from . import selectors, services
from .models import CallRecord, CallScript, Problem, Questionnaire
from .schemas import (
    CallIn,
    CallOut,
    CallPolicyIn,
    CallPolicyOut,
    ErrorOut,
    NextOut,
    PrecallOut,
    ProblemOut,
    QuestionnaireIn,
    QuestionnaireOut,
    QueueOut,
    ReassignIn,
    ReassignOut,
    ResolveIn,
    ScriptIn,
    ScriptOut,
    TeamOut,
    ValidationErrorOut,
)

router = Router(tags=["workbench 回访工作台"])

NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
INVALID = {422: ValidationErrorOut}
NOT_YOURS = "此角色不能进行此操作 / your role may not do this in this store"


def _store(request, code: str, roles=selectors.WORKBENCH_ROLES):
    store = store_for_user(user=request.auth, code=code)
    if store is None:
        raise HttpError(404, "Not Found")
    if not has_role(user=request.auth, store=store, roles=roles):
        raise HttpError(403, NOT_YOURS)
    return store


def _task(request, task_id: int):
    return get_object_or_404(selectors.tasks_workable_by(user=request.auth, now=clock.now()), pk=task_id)


def _call_out(call: CallRecord, user: User) -> dict:
    may_play = selectors.may_play_recording(user=user, call=call)
    file_url = None
    if call.recording and may_play:
        try:
            file_url = reverse("workbench:recording", args=[call.pk])
        except NoReverseMatch:
            file_url = None
    answers = sorted(call.answers.all(), key=lambda a: a.question.position)
    return {
        "id": call.pk,
        "store_id": call.store_id,
        "task_id": call.task_id,
        "task_status": call.task.status,
        "customer_id": call.customer_id,
        "outcome": call.outcome,
        "attempt_outcome": call.attempt.outcome,
        "score": call.score,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "comment": call.comment,
        "issue_reasons": call.issue_reasons,
        "complaint_id": call.complaint_id,
        "complaint_number": call.complaint.number if call.complaint else None,
        "problems": list(call.problems.all()),
        "questionnaire_version": call.questionnaire.version if call.questionnaire else None,
        "answers": [
            {
                "code": a.question.code,
                "question": a.question.text,
                "kind": a.question.kind,
                "value": a.value,
                "text": a.text,
            }
            for a in answers
        ],  # fmt: skip
        "caller": call.caller,
        "advisor_name": call.advisor_name,
        "recording_url": call.recording_url if may_play else "",
        "has_recording_file": bool(call.recording),
        "recording_file_url": file_url,
    }


@router.get(
    "/queue",
    response={200: QueueOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_queue",
    summary="回访队列 / My call queue",
    description="Open call tasks in buckets overdue / due now / due today / later (in the store's time "
    "zone), with counts. Filters: `store` (code), `kind`, `advisor` (the repair order's advisor id). "
    "`team=true` shows the whole team's queue to service managers and care directors, optionally of one "
    "`assignee` (0 = nobody). Rows inside quiet hours or outside the customer's best time are marked.",
    url_name="workbench_queue",
)
def queue(
    request,
    store: str | None = None,
    kind: RuleKind | None = None,
    advisor: RowId | None = None,
    team: bool = False,
    assignee: RowIdOrZero | None = None,
):
    chosen = _store(request, store, selectors.TEAM_ROLES if team else selectors.WORKBENCH_ROLES) if store else None
    if team and chosen is None and not selectors.team_stores_for(user=request.auth).exists():
        raise HttpError(403, NOT_YOURS)
    return selectors.queue_for(
        user=request.auth,
        now=clock.now(),
        store=chosen,
        kind=kind or "",
        advisor_id=advisor,
        team=team,
        assignee_id=assignee if team else None,
        page_size=selectors.QUEUE_LIMIT,  # the API keeps its one long list; the screen pages
    )


@router.get(
    "/next",
    response={200: NextOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_next",
    summary="下一个任务 / Next task to call",
    description="My most urgent task I may call now: overdue first, then due; never inside quiet hours "
    "or before a promised call-back time. The task is held for you alone for 30 minutes or until its call "
    "is saved (no other caller is handed it, even if a manager moves it meanwhile). `task` is null when "
    "there is nothing to call.",
    url_name="workbench_next",
)
def next_task(request, store: str | None = None):
    chosen = _store(request, store) if store else None
    now = clock.now()
    task = services.next_task_hand_out(user=request.auth, now=now, store=chosen)
    if task is not None:
        selectors.task_rows(tasks=[task], now=now)
    return {"task": task}


@router.get(
    "/tasks/{task_id}/precall",
    response={200: PrecallOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_precall",
    summary="回访前准备 / Before the call",
    description="Customer, vehicle, the repair order with labour and parts lines, earlier calls with their "
    "answers, complaints, company-car contacts, the flags to review (major complaint, high amount, "
    "sensitive occupation, quiet hours, best time, repeat repair), the scripts with names filled in and "
    "the questionnaire. Phone numbers are full only for roles that call, and that read is logged.",
    url_name="workbench_precall",
)
def precall(request, task_id: int):
    task = _task(request, task_id)
    now = clock.now()
    data = selectors.precall_for(task=task, user=request.auth, now=now)
    selectors.task_rows(tasks=[data["task"]], now=now)
    customer = data["customer"]
    reveal = may_reveal_phone(user=request.auth, store=task.store)
    phones = {}
    for field in PHONE_FIELDS:
        number = getattr(customer, field)
        if number and reveal:
            phones[field] = phone_reveal(customer=customer, field=field, actor=request.auth, now=now, source="api")
        else:
            phones[field] = mask_phone(number)
    ro = data["repair_order"]
    vehicle = data["vehicle"]
    questionnaire = data["questionnaire"]
    return {
        **data,
        "customer": {
            **{f: getattr(customer, f) for f in ("id", "name", "kind", "gender", "occupation", "address", "email")},
            **{f: getattr(customer, f) for f in ("preferred_channel", "best_contact_time", "language", "level")},
            **phones,
        },
        "vehicle": None
        if vehicle is None
        else {
            **{f: getattr(vehicle, f) for f in ("id", "vin", "plate", "brand", "model", "current_km")},
            "next_maintenance_km": vehicle.next_maintenance_km,
            "next_maintenance_date": vehicle.next_maintenance_date.isoformat()
            if vehicle.next_maintenance_date
            else None,
        },
        "repair_order": None if ro is None else {**ro.__dict__, "lines": data["lines"]},
        "contacts": [
            {
                **{f: getattr(c, f) for f in ("id", "role", "name", "extension", "department")},
                "phone": contact_phone_reveal(contact=c, actor=request.auth, now=now, source="api")
                if reveal and c.phone
                else mask_phone(c.phone),
            }
            for c in data["contacts"]
        ],
        "calls": [
            {
                **{f: getattr(c, f) for f in ("id", "ended_at", "outcome", "score", "comment")},
                "answers": [
                    {
                        "code": a.question.code,
                        "question": a.question.text,
                        "kind": a.question.kind,
                        "value": a.value,
                        "text": a.text,
                    }
                    for a in c.answers.all()
                ],  # fmt: skip
            }
            for c in data["calls"]
        ],
        "questionnaire": {**questionnaire.__dict__, "questions": list(questionnaire.questions.all())},
    }


@router.post(
    "/tasks/{task_id}/calls",
    response={201: CallOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_call_save",
    summary="保存回访 / Save a call",
    description="Outcome (satisfied, with_issue, not_reached with `attempt_outcome`, refused), answers by "
    "question code, comment, corrections of basic data, and optionally a recording link. One transaction: "
    "the contact attempt moves the task on (three failures make it unreachable), the score is computed on "
    "the store's current questionnaire, and the store's call policy opens a complaint (with the answers "
    "attached) or a problem record for the advisor. Bad input answers 422 naming the field "
    "(`answer_<code>` for an answer).",
    url_name="workbench_call_save",
)
def call_save(request, task_id: int, payload: CallIn):
    task = _task(request, task_id)
    if request.auth.pk not in (task.assigned_to_id, task.claimed_by_id) and not has_role(
        user=request.auth, store=task.store, roles=selectors.TEAM_ROLES
    ):
        raise HttpError(403, NOT_YOURS)
    corrections = payload.corrections.dict(exclude_none=True) if payload.corrections else {}
    try:
        call = services.call_record_save(
            task=task,
            actor=request.auth,
            now=clock.now(),
            outcome=payload.outcome,
            answers={code: answer.dict() for code, answer in payload.answers.items()},
            comment=payload.comment,
            started_at=payload.started_at,
            corrections=corrections,
            relation=payload.relation,
            best_time=payload.best_time,
            callback_at=payload.callback_at,
            recording_url=payload.recording_url,
            attempt_outcome=payload.attempt_outcome,
        )
    except ValidationError as exc:
        return invalid(exc)
    return 201, _call_out(selectors.call_detail(user=request.auth, pk=call.pk), request.auth)


@router.get(
    "/calls/{call_id}",
    response={200: CallOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_call_detail",
    summary="回访记录 / A saved call",
    description="Outcome, answers with their questionnaire version, score, what it opened, recording. "
    "Callers see their own calls; managers see the store's.",
    url_name="workbench_call_detail",
)
def call_detail(request, call_id: int):
    return _call_out(selectors.call_detail(user=request.auth, pk=call_id), request.auth)


@router.post(
    "/calls/{call_id}/recording",
    response={200: CallOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_call_recording",
    summary="上传录音 / Attach a recording",
    description="Multipart: an audio `file` (mp3, wav, m4a, amr...) and/or a `url` (http/https) of the "
    "phone system's recording. The caller and the store's managers may attach and play it.",
    url_name="workbench_call_recording",
)
def call_recording(request, call_id: int, file: File[UploadedFile] = None, url: Form[str] = ""):
    call = selectors.call_detail(user=request.auth, pk=call_id)
    if not selectors.may_play_recording(user=request.auth, call=call):
        raise HttpError(403, NOT_YOURS)
    try:
        services.recording_attach(call=call, actor=request.auth, now=clock.now(), file=file, url=url)
    except ValidationError as exc:
        return invalid(exc)
    return _call_out(selectors.call_detail(user=request.auth, pk=call_id), request.auth)


@router.get(
    "/stores/{store}/questionnaire",
    response={200: QuestionnaireOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_questionnaire_current",
    summary="当前问卷 / Current questionnaire",
    description="The store's questionnaire in use (seed 002 reference questions with CSS weights at first).",
    url_name="workbench_questionnaire_current",
)
def questionnaire_current(request, store: str):
    chosen = _store(request, store)
    row = services.questionnaire_current(store=chosen, now=clock.now())
    return {**row.__dict__, "questions": list(row.questions.all())}


@router.post(
    "/stores/{store}/questionnaire",
    response={201: QuestionnaireOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_questionnaire_publish",
    summary="发布新版问卷 / Publish a questionnaire version",
    description="Care director only. The new version is used from now on; earlier calls keep theirs.",
    url_name="workbench_questionnaire_publish",
)
def questionnaire_publish(request, store: str, payload: QuestionnaireIn):
    chosen = _store(request, store, selectors.SETTINGS_ROLES)
    try:
        row = services.questionnaire_publish(
            store=chosen,
            actor=request.auth,
            now=clock.now(),
            questions=[q.dict() for q in payload.questions],
            note=payload.note,
        )
    except ValidationError as exc:
        return invalid(exc)
    row = Questionnaire.objects.prefetch_related("questions").get(pk=row.pk)
    return 201, {**row.__dict__, "questions": list(row.questions.all())}


@router.get(
    "/stores/{store}/scripts",
    response={200: list[ScriptOut], **DENIED, **NOT_FOUND},
    operation_id="workbench_script_list",
    summary="话术 / Scripts",
    description="The store's scripts per task kind and scenario (seed 000 dialogues), with placeholders.",
    url_name="workbench_script_list",
)
def script_list(request, store: str):
    chosen = _store(request, store)
    services.scripts_ensure_defaults(store=chosen)
    return list(CallScript.objects.filter(store=chosen).order_by("kind", "scenario"))


@router.put(
    "/stores/{store}/scripts/{kind}/{scenario}",
    response={200: ScriptOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_script_update",
    summary="修改话术 / Edit a script",
    description="Care director only. Steps of title and text; placeholders such as {customer} must be known.",
    url_name="workbench_script_update",
)
def script_update(request, store: str, kind: str, scenario: str, payload: ScriptIn):
    chosen = _store(request, store, selectors.SETTINGS_ROLES)
    services.scripts_ensure_defaults(store=chosen)
    script = get_object_or_404(CallScript, store=chosen, kind=kind, scenario=scenario)
    try:
        return services.script_update(
            script=script, actor=request.auth, now=clock.now(), steps=[s.dict() for s in payload.steps]
        )
    except ValidationError as exc:
        return invalid(exc)


@router.get(
    "/stores/{store}/call-policy",
    response={200: CallPolicyOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_call_policy",
    summary="问题判定规则 / Call policy",
    description="Which answers open a complaint or a problem record in this store.",
    url_name="workbench_call_policy",
)
def call_policy(request, store: str):
    return services.call_policy_for(store=_store(request, store))


@router.put(
    "/stores/{store}/call-policy",
    response={200: CallPolicyOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_call_policy_update",
    summary="修改判定规则 / Edit the call policy",
    description="Care director only; send the fields that change.",
    url_name="workbench_call_policy_update",
)
def call_policy_update(request, store: str, payload: CallPolicyIn):
    chosen = _store(request, store, selectors.SETTINGS_ROLES)
    try:
        return services.call_policy_update(
            store=chosen, actor=request.auth, now=clock.now(), **payload.dict(exclude_none=True)
        )
    except ValidationError as exc:
        return invalid(exc)


@router.get(
    "/problems",
    response={200: list[ProblemOut], **DENIED},
    operation_id="workbench_problem_list",
    summary="问题记录 / Problem records",
    description="Problem records assigned to me, or the store's for managers; `status` open or resolved.",
    url_name="workbench_problem_list",
)
def problem_list(request, status: str = Query("", pattern="^(open|resolved)?$")):
    return list(selectors.problems_for(user=request.auth, status=status)[:500])


@router.post(
    "/problems/{problem_id}/resolve",
    response={200: ProblemOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_problem_resolve",
    summary="解决问题记录 / Resolve a problem",
    description="The assigned person or a manager records what was done.",
    url_name="workbench_problem_resolve",
)
def problem_resolve(request, problem_id: int, payload: ResolveIn):
    problem = get_object_or_404(
        selectors.problems_visible_to(user=request.auth).select_related("customer", "assigned_to"), pk=problem_id
    )
    try:
        services.problem_resolve(problem=problem, actor=request.auth, now=clock.now(), resolution=payload.resolution)
    except ValidationError as exc:
        return invalid(exc)
    return Problem.objects.select_related("customer", "assigned_to").get(pk=problem.pk)


@router.post(
    "/tasks/reassign",
    response={200: ReassignOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="workbench_tasks_reassign",
    summary="批量转派 / Reassign tasks",
    description="Service managers and care directors give the selected open tasks of one store to a "
    "colleague who may hold tasks there; other stores' ids and closed tasks are left alone.",
    url_name="workbench_tasks_reassign",
)
def tasks_reassign(request, payload: ReassignIn):
    chosen = _store(request, payload.store, selectors.TEAM_ROLES)
    receiver = selectors.task_receivers_for_store(store=chosen).filter(pk=payload.to_user).first()
    if receiver is None:
        return 422, {
            "detail": [
                {
                    "loc": ["body", "payload", "to_user"],
                    "msg": "此人不能接收本店任务 / this person cannot take tasks of the store",
                    "type": "value_error",
                }
            ]
        }
    moved = services.tasks_move(
        task_ids=payload.task_ids, to_user=receiver, store=chosen, actor=request.auth, now=clock.now()
    )
    return {"moved": moved}


@router.get(
    "/stores/{store}/team",
    response={200: TeamOut, **DENIED, **NOT_FOUND},
    operation_id="workbench_team",
    summary="谁落后了 / Who is behind",
    description="Overdue open tasks per assignee of the store, most first (managers).",
    url_name="workbench_team",
)
def team(request, store: str):
    chosen = _store(request, store, selectors.TEAM_ROLES)
    return {"store": chosen, "behind": selectors.team_behind(store=chosen, now=clock.now())}
