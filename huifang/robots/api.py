"""Work-group robot API: the store's robot settings (secrets write-only) and the test message, for the store's
manager and care director. Another store answers 404, another role 403, a bad value 422 naming the field."""

from django.core.exceptions import ValidationError
from ninja import Router
from ninja.errors import HttpError

from huifang.accounts.selectors import has_role
from huifang.archive.api_selectors import store_for_user
from huifang.core import clock
from huifang.core.api_errors import invalid

from . import selectors, services
from .schemas import ErrorOut, RobotIn, RobotOut, RobotTestOut, ValidationErrorOut
from .views import FIELDS

router = Router(tags=["robots 工作群机器人"])

NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
INVALID = {422: ValidationErrorOut}


def _store(request, code: str):
    store = store_for_user(user=request.auth, code=code)
    if store is None:
        raise HttpError(404, "Not Found")
    if not has_role(user=request.auth, store=store, roles=selectors.SETTINGS_ROLES):
        raise HttpError(403, "此角色不能进行此操作 / your role may not do this in this store")
    return store


def _out(robot) -> dict:
    return {
        "store": robot.store.code,
        **{f: getattr(robot, f) for f in FIELDS},
        "webhook": services.masked_webhook(robot) if robot.configured else "",
        "secret_set": bool(robot.secret_sealed),
    }


@router.get(
    "/stores/{store}/",
    response={200: RobotOut, **DENIED, **NOT_FOUND},
    operation_id="robots_settings",
    summary="工作群机器人设置 / Work-group robot settings",
    url_name="robots_settings",
)
def robot_settings(request, store: str):
    return _out(services.settings_for(store=_store(request, store)))


@router.put(
    "/stores/{store}/",
    response={200: RobotOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="robots_settings_update",
    summary="修改工作群机器人 / Edit the work-group robot",
    description="Send the fields that change; webhook and secret are write-only and never returned.",
    url_name="robots_settings_update",
)
def robot_settings_update(request, store: str, payload: RobotIn):
    chosen = _store(request, store)
    robot = services.settings_for(store=chosen)
    values = {f: getattr(robot, f) for f in FIELDS} | payload.dict(exclude_none=True)
    try:
        return _out(services.settings_update(store=chosen, actor=request.auth, now=clock.now(), **values))
    except ValidationError as exc:
        return invalid(exc)


@router.post(
    "/stores/{store}/test",
    response={200: RobotTestOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="robots_test",
    summary="发送测试消息 / Send a test message",
    url_name="robots_test",
)
def robot_test(request, store: str):
    chosen = _store(request, store)
    try:
        message = services.robot_test(store=chosen, actor=request.auth, now=clock.now())
    except ValidationError as exc:
        return invalid(exc)
    return {"status": message.status, "reason": message.last_error}
