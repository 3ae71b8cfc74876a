"""Operations JSON API: the lounge month, club events and sign-ups, staffing suggestion, statistics table.

The store and every object are fetched through the caller's stores, so another store's id answers 404."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.errors import HttpError

from huifang.accounts.selectors import has_role
from huifang.core import clock
from huifang.core.api_errors import ErrorOut, InvalidInput, ValidationErrorOut, invalid
from huifang.core.api_params import RowId

from . import figures, selectors, services
from .models import ClubMember, EventSignup
from .schemas import (
    AttendanceIn,
    ClubEventDetailOut,
    ClubEventOut,
    CustomerStatisticsOut,
    LoungeMonthOut,
    SignupIn,
    SignupOut,
    StaffingOut,
)

router = Router(tags=["operations 日常运营"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _store(request, store_id: int, roles=selectors.READ_ROLES):
    store = get_object_or_404(selectors.operations_stores_for(user=request.auth), pk=store_id)
    if not has_role(user=request.auth, store=store, roles=roles):
        raise HttpError(403, "Your role may not do this in this store.")
    return store


def _month(value: str | None, today: date) -> date:
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput({"month": "month must be YYYY-MM"}) from None


def _signup_out(signup: EventSignup) -> dict:
    return {
        "id": signup.pk,
        "event_id": signup.event_id,
        "member_id": signup.member_id,
        "customer_name": signup.member.customer.name,
        "status": signup.status,
        "source": signup.source,
        "signed_up_at": signup.signed_up_at,
        "attended": signup.attended,
    }


@router.get(
    "/stores/{store_id}/lounge",
    response={200: LoungeMonthOut, **ERRORS},
    operation_id="operations_lounge_month",
    summary="休息室检查月度 / Lounge checklist month",
    description="Each day's state (missing days flagged) and per-item compliance for `month` (YYYY-MM).",
)
def lounge_month(request, store_id: int, month: str | None = None):
    store = _store(request, store_id)
    policy = services.policy_for(store=store)
    today = clock.today()
    first = _month(month, today)
    period = selectors.lounge_period(
        store=store, policy=policy, start=first, end=first + relativedelta(months=1, days=-1), today=today
    )
    return {
        "store_id": store.pk,
        "month": first.strftime("%Y-%m"),
        "pass_score": policy.lounge_pass_score,
        "days": period["days"],
        "missing": period["missing"],
        "items": [
            {
                "item_id": row["item"].pk,
                "position": row["item"].position,
                "title": row["item"].title,
                "checked": row["checked"],
                "compliant": row["compliant"],
                "percent": row["percent"],
            }
            for row in period["items"]
        ],
    }


@router.get(
    "/stores/{store_id}/events",
    response={200: list[ClubEventOut], **ERRORS},
    operation_id="operations_event_list",
    summary="车友会活动 / Club events",
)
def event_list(request, store_id: int):
    store = _store(request, store_id)
    return list(selectors.club_events_for(store=store))


@router.get(
    "/stores/{store_id}/events/{event_id}",
    response={200: ClubEventDetailOut, **ERRORS},
    operation_id="operations_event_detail",
    summary="活动与报名 / Club event with its sign-ups",
)
def event_detail(request, store_id: int, event_id: int):
    store = _store(request, store_id)
    event = get_object_or_404(selectors.club_events_for(store=store), pk=event_id)
    event.signups_out = [_signup_out(s) for s in selectors.event_signups_for(event=event)]
    return {
        **{f: getattr(event, f) for f in ClubEventOut.model_fields},
        "signups": event.signups_out,
    }


@router.post(
    "/stores/{store_id}/events/{event_id}/signups",
    response={201: SignupOut, **ERRORS},
    operation_id="operations_event_signup",
    summary="报名 / Sign a member up",
    description="Confirmed while seats remain, waitlisted after; signing up twice returns the first sign-up.",
)
def event_signup(request, store_id: int, event_id: int, payload: SignupIn):
    store = _store(request, store_id, selectors.WORK_ROLES)
    event = get_object_or_404(selectors.club_events_for(store=store), pk=event_id)
    member = get_object_or_404(
        ClubMember.objects.filter(store=store, active=True).select_related("customer"), pk=payload.member_id
    )
    try:
        signup = services.event_signup_create(
            event=event, member=member, source=payload.source, actor=request.auth, now=clock.now()
        )
    except ValidationError as exc:
        return invalid(exc)
    return 201, _signup_out(signup)


@router.post(
    "/stores/{store_id}/events/{event_id}/signups/{member_id}/attendance",
    response={200: SignupOut, **ERRORS},
    operation_id="operations_event_attendance",
    summary="签到 / Mark attendance",
)
def event_attendance(request, store_id: int, event_id: RowId, member_id: RowId, payload: AttendanceIn):
    store = _store(request, store_id, selectors.WORK_ROLES)
    signup = get_object_or_404(
        EventSignup.objects.filter(event__store=store, event_id=event_id).select_related("member__customer"),
        member_id=member_id,
    )
    try:
        signup = services.event_attendance_mark(
            signup=signup, attended=payload.attended, actor=request.auth, now=clock.now()
        )
    except ValidationError as exc:
        return invalid(exc)
    return _signup_out(signup)


@router.get(
    "/stores/{store_id}/staffing",
    response={200: StaffingOut, **ERRORS},
    operation_id="operations_staffing",
    summary="客服人力资源规划 / Staffing suggestion",
    description="Suggested care team for `month` (YYYY-MM, default last month) from the seed table, beside the actual team.",
)
def staffing(request, store_id: int, month: str | None = None):
    store = _store(request, store_id)
    today = clock.today()
    first = _month(month, today) if month else today.replace(day=1) - relativedelta(months=1)
    context = figures.staffing_suggestion(store=store, month=first)
    cell, figure, actual = context["suggested"], context["figure"], context["actual"]
    return {
        "store_id": store.pk,
        "month": first.strftime("%Y-%m"),
        "showroom_sales": figure["sales"],
        "showroom_sales_source": figure["sales_source"],
        "workshop_throughput": figure["throughput"],
        "workshop_throughput_source": figure["throughput_source"],
        "suggested": {
            "directors": cell.directors,
            "specialists": cell.specialists,
            "callers": cell.callers,
            "total": cell.total,
            "formula": cell.formula,
        },
        "clamped": context["clamped"],
        "actual_directors": actual["directors"],
        "actual_specialists": actual["specialists"],
        "actual_total": actual["total"],
    }


@router.get(
    "/stores/{store_id}/customer-statistics",
    response={200: CustomerStatisticsOut, **ERRORS},
    operation_id="operations_customer_statistics",
    summary="顾客统计表 / Customer statistics table",
)
def customer_statistics(request, store_id: int, year: int = Query(None, ge=2000, le=2100)):
    store = _store(request, store_id)
    today = clock.today()
    table = figures.statistics_table(store=store, year=year or today.year, today=today)
    return {
        "store_id": store.pk,
        "year": table["year"],
        "blocks": [{**block, "label": str(block["label"])} for block in table["blocks"]],
    }
