"""Reads of the team board: who may manage screens, which screen a cookie names, and the store's figures of
today. The figures come from the selectors the dashboard and the complaint list use, so the board and the
screens staff work on always show the same numbers."""

import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.complaints.selectors import open_complaints_by_deadline
from huifang.complaints.services.clock import is_paused
from huifang.core.signed_tokens import token_read
from huifang.reports import rules as report_rules
from huifang.reports.choices import Kpi
from huifang.reports.dashboard import store_day
from huifang.reports.figures import policy_for as report_policy_for
from huifang.reports.selectors import targets_for

from . import defaults, rules
from .models import BoardScreen

# Who pairs and revokes the store's screens: the store's managers (seed 001: the manager runs the team's board).
BOARD_ADMIN_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
WEEK_DAYS = 7


def board_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=BOARD_ADMIN_ROLES).order_by("code", "pk")


def board_store_rows(*, user: User, now: datetime, refresh_seconds: int) -> QuerySet[Store]:
    """The stores whose screens the user manages, each with its screens' state in one query: paired (not
    revoked), showing the board now (seen within the refreshes after which a screen calls itself stale),
    waiting for a pairing code to be used, revoked, and when a working screen was last seen."""
    showing_since = now - timedelta(seconds=refresh_seconds * defaults.STALE_AFTER_REFRESHES)
    working = Q(board_screens__revoked_at__isnull=True)
    paired = working & ~Q(board_screens__secret_hash="")
    return (
        Store.objects.filter(pk__in=board_stores_for(user=user).values("pk"))
        .annotate(
            screens_paired=Count("board_screens", filter=paired),
            screens_showing=Count("board_screens", filter=paired & Q(board_screens__last_seen_at__gte=showing_since)),
            screens_waiting=Count(
                "board_screens",
                filter=working & Q(board_screens__secret_hash="", board_screens__pairing_expires_at__gt=now),
            ),
            screens_revoked=Count("board_screens", filter=Q(board_screens__revoked_at__isnull=False)),
            last_seen=Max("board_screens__last_seen_at", filter=paired),
        )
        .order_by("code", "pk")
    )


def screens_for(*, store: Store) -> QuerySet[BoardScreen]:
    """The store's screens, working ones first, with who paired and revoked them."""
    return (
        BoardScreen.objects.filter(store=store)
        .select_related("paired_by", "revoked_by", "created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "name", "pk")
    )


def screen_for_token(token: str | None) -> BoardScreen | None:
    """The paired, unrevoked screen a genuine cookie names; None for no, altered, outdated or revoked cookies."""
    if not token:
        return None
    read = token_read(salt=defaults.TOKEN_SALT, token=token)
    if read is None:
        return None
    screen_id, secret = read
    screen = BoardScreen.objects.select_related("store").filter(pk=screen_id, revoked_at__isnull=True).first()
    if screen is None or not screen.secret_hash or not _same(screen.secret_hash, rules.digest(secret)):
        return None
    return screen


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def board_figures(*, store: Store, now: datetime) -> dict:
    """Today's figures of one store in its own time zone: call tasks due today, done today and overdue (as the
    team queue counts them), calls made, reach rate and average call CSS today (the dashboard's day), open
    complaints by time left (as the complaint list counts deadlines) and the soonest of them with masked names.
    A fixed number of queries whatever the data size. Keep the signature: the group robots read it too."""
    local_now = now.astimezone(ZoneInfo(store.time_zone))
    day = store_day(stores=[store], now=local_now, trend_days=WEEK_DAYS)
    tasks, trend = day["tasks"], day["trend"]
    open_rows = open_complaints_by_deadline(store=store, now=now)
    soon_until = now + timedelta(hours=defaults.DUE_SOON_HOURS)
    bands = open_rows.order_by().aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        soon=Count("pk", filter=Q(is_overdue=False, deadline__lt=soon_until)),
        later=Count("pk", filter=Q(is_overdue=False, deadline__gte=soon_until)),
        unowned=Count("pk", filter=Q(owner__isnull=True)),
    )
    rows = [_complaint_row(c, now) for c in open_rows.select_related("owner")[: defaults.COMPLAINT_ROWS]]
    # The store's own targets and tolerance colour the gauges, as its PDCA sheet marks the month.
    targets = targets_for(store=store)
    tolerance = report_policy_for(store=store).tolerance_points

    def marks(kpi: str, values: list) -> list[str]:
        target = targets[kpi]
        return [
            report_rules.evaluate(actual=v, target=target["target"], direction=target["direction"], tolerance=tolerance)
            for v in values
        ]

    week_reach, week_css = trend["reach"], trend["score"]
    return {
        "store_name": store.name,
        "today": local_now.date(),
        "updated_at": local_now,
        "calls": {
            "due_today": tasks["due_now"] + tasks["today"],
            "due_now": tasks["due_now"],
            "due_later_today": tasks["today"],
            "done_today": tasks["done_today"],
            "overdue": tasks["overdue"],
            "made_today": day["calls_today"],
        },
        "reach_today": trend["reach"][-1],
        "css_today": trend["score"][-1],
        "reach_target": targets[Kpi.REACH]["target"],
        "css_target": targets[Kpi.CSS]["target"],
        "complaints": {**bands, "received_today": day["complaints"]["today"]},
        "complaint_rows": rows,
        "week": {
            "days": trend["days"],
            "reach": week_reach,
            "css": week_css,
            "reach_marks": marks(Kpi.REACH, week_reach),
            "css_marks": marks(Kpi.CSS, week_css),
        },
    }


def _complaint_row(complaint, now: datetime) -> dict:
    """What the wall may show of a complaint: number, masked customer, level, owner, time left. No phone."""
    left = complaint.deadline - now if complaint.deadline is not None else None
    return {
        "number": complaint.number,
        "customer": rules.mask_name(complaint.customer_name),
        "level": complaint.level,
        "is_major": complaint.is_major,
        "owner": str(complaint.owner) if complaint.owner_id else "",
        "deadline": complaint.deadline,
        "left_seconds": int(left.total_seconds()) if left is not None else None,
        "band": "overdue"
        if complaint.is_overdue
        else rules.time_left_band(left, soon=timedelta(hours=defaults.DUE_SOON_HOURS)),
        "paused": is_paused(complaint, now),
    }
