"""Who may read which report, store scoping, targets and the PDCA sheet."""

from datetime import date

from django.db.models import QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role

from . import defaults, rules
from .choices import Direction, Kpi
from .figures import DEFINITIONS, policy_for
from .models import KpiTarget, PdcaEntry, RecordingAudit

# Read the KPI, CSS and monthly report screens of their stores (brief: director, service and sales manager,
# group manager, OEM regional manager).
REPORT_ROLES = frozenset(
    {
        Role.SERVICE_MANAGER,
        Role.SALES_MANAGER,
        Role.CARE_DIRECTOR,
        Role.GROUP_MANAGER,
        Role.OEM_REGIONAL,
        Role.ADMIN,
    }
)
# Edit targets, PDCA entries, benchmarks and recording audits.
EDITOR_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})
# The staff assessment shows people's figures: the care director and the service manager.
STAFF_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
# Everybody has a dashboard; what it shows depends on the roles.
SPECIALIST_ROLES = frozenset({Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR})
TEAM_ROLES = frozenset({Role.SERVICE_MANAGER, Role.SALES_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
OVERVIEW_ROLES = frozenset({Role.GROUP_MANAGER, Role.OEM_REGIONAL, Role.ADMIN})
DASHBOARD_ROLES = frozenset(Role.values)


def report_stores_for(*, user: User, roles=REPORT_ROLES) -> QuerySet[Store]:
    """The stores in which the user holds one of `roles`, by code."""
    return stores_where_role(user=user, roles=roles).order_by("code")


def targets_for(*, store: Store) -> dict[str, dict]:
    """Every KPI's target and direction for the store: its own KpiTarget rows, else the defaults."""
    own = {t.kpi: t for t in KpiTarget.objects.filter(store=store)}
    result = {}
    for kpi, label in Kpi.choices:
        target, direction = defaults.KPI_TARGETS[kpi]
        if kpi in own:
            target, direction = own[kpi].target, own[kpi].direction
        result[kpi] = {"kpi": kpi, "label": str(label), "target": target, "direction": direction, "own": kpi in own}
    return result


def pdca_sheet(*, store: Store, month: date, actuals: dict) -> list[dict]:
    """Seed 004 PDCA lines, one per KPI: target, actual, evaluation and mark, and the month's entry."""
    targets = targets_for(store=store)
    policy = policy_for(store=store)
    entries = {e.kpi: e for e in PdcaEntry.objects.filter(store=store, month=month.replace(day=1))}
    lines = []
    for kpi, target in targets.items():
        evaluation = rules.evaluate(
            actual=actuals.get(kpi),
            target=target["target"],
            direction=target["direction"] or Direction.HIGHER,
            tolerance=policy.tolerance_points,
        )
        lines.append(
            {
                **target,
                "actual": actuals.get(kpi),
                "evaluation": evaluation,
                "mark": rules.MARKS[evaluation],
                "entry": entries.get(kpi),
                "definition": str(DEFINITIONS.get(kpi, "")),
            }
        )
    return lines


def pdca_entries_for(*, user: User) -> QuerySet[PdcaEntry]:
    return PdcaEntry.objects.filter(store__in=report_stores_for(user=user, roles=EDITOR_ROLES))


def audits_for(*, user: User) -> QuerySet[RecordingAudit]:
    """Recording audits of the stores where the user may audit."""
    return RecordingAudit.objects.filter(store__in=report_stores_for(user=user, roles=EDITOR_ROLES)).select_related(
        "call", "specialist", "store"
    )


def audits_for_month(*, store: Store, month: date) -> QuerySet[RecordingAudit]:
    return (
        RecordingAudit.objects.filter(store=store, month=month.replace(day=1))
        .select_related("call", "specialist", "auditor")
        .order_by("specialist__display_name", "call__ended_at", "pk")
    )
