"""Survey-link API: a task's link (state, sending) for the call screen, the store's survey policy for the
care director. Another store's task or store answers 404; a role that may not answers 403; 422 names the field."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError

from huifang.accounts.selectors import has_role
from huifang.archive.api_selectors import store_for_user
from huifang.core import clock
from huifang.core.api_errors import invalid
from huifang.messaging.choices import MessageChannel
from huifang.workbench.selectors import tasks_visible_to

from . import selectors, services
from .schemas import ErrorOut, LinkIn, LinkOut, PolicyIn, PolicyOut, ValidationErrorOut

router = Router(tags=["surveys 问卷链接"])

NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
INVALID = {422: ValidationErrorOut}


def _link_out(row: dict) -> dict:
    link = row["link"]
    return {
        "id": link.pk,
        "task_id": link.task_id,
        "state": row["state"],
        "url": services.link_url(link),
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "opened_at": link.opened_at,
        "answered_at": link.answered_at,
        "call_id": link.call_id,
        "sms_at": link.sms_at,
        "sms_status": row["sms"].status if row["sms"] else None,
        "email_at": link.email_at,
        "email_status": row["email"].status if row["email"] else None,
    }


@router.get(
    "/tasks/{task_id}/links",
    response={200: list[LinkOut], **DENIED, **NOT_FOUND},
    operation_id="surveys_task_links",
    summary="任务的问卷链接 / A task's survey link",
    url_name="surveys_task_links",
)
def task_links(request, task_id: int):
    task = get_object_or_404(tasks_visible_to(user=request.auth), pk=task_id)
    return [_link_out(row) for row in selectors.links_for_task(task=task, now=clock.now())]


@router.post(
    "/tasks/{task_id}/links",
    response={200: LinkOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="surveys_task_link_create",
    summary="生成/发送问卷链接 / Make (and send) a task's survey link",
    description="One link per task: asking again returns the same link; `renew` gives an unanswered link a new "
    "address valid from now. `send` = sms or email queues it now through the outbox (opt-outs apply).",
    url_name="surveys_task_link_create",
)
def task_link_create(request, task_id: int, payload: LinkIn):
    task = get_object_or_404(tasks_visible_to(user=request.auth).select_related("store"), pk=task_id)
    if payload.send not in (None, MessageChannel.SMS, MessageChannel.EMAIL):
        return invalid(ValidationError({"send": "sms / email"}))
    now = clock.now()
    try:
        link = services.link_create(task=task, actor=request.auth, now=now)
        if payload.renew:
            link = services.link_renew(link=link, actor=request.auth, now=now)
    except ValidationError as exc:
        return invalid(exc)
    if payload.send and link.answered_at is None:
        services.link_send(link=link, channel=payload.send, now=now)
    return _link_out(selectors.links_for_task(task=task, now=now)[0])


def _policy_store(request, code: str):
    store = store_for_user(user=request.auth, code=code)
    if store is None:
        raise HttpError(404, "Not Found")
    if not has_role(user=request.auth, store=store, roles=selectors.SETTINGS_ROLES):
        raise HttpError(403, "此角色不能进行此操作 / your role may not do this in this store")
    return store


def _policy_out(policy) -> dict:
    return {"store": policy.store.code, **{f: getattr(policy, f) for f in services.POLICY_FIELDS}}


@router.get(
    "/stores/{store}/policy",
    response={200: PolicyOut, **DENIED, **NOT_FOUND},
    operation_id="surveys_policy",
    summary="问卷链接规则 / Survey policy",
    url_name="surveys_policy",
)
def policy(request, store: str):
    return _policy_out(services.policy_for(store=_policy_store(request, store)))


@router.put(
    "/stores/{store}/policy",
    response={200: PolicyOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="surveys_policy_update",
    summary="修改问卷链接规则 / Edit the survey policy",
    description="Care director only; send the fields that change.",
    url_name="surveys_policy_update",
)
def policy_update(request, store: str, payload: PolicyIn):
    chosen = _policy_store(request, store)
    try:
        return _policy_out(
            services.policy_update(store=chosen, actor=request.auth, now=clock.now(), **payload.dict(exclude_none=True))
        )
    except ValidationError as exc:
        return invalid(exc)
