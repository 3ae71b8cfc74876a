"""Defaults of a store's report settings and KPI targets; each is a per-store setting (KpiTarget, ReportPolicy)."""

from decimal import Decimal

from .choices import Direction, Kpi

# KPI targets in per cent (CSS on the 0–100 scale). Sources:
# - callback 100 % and problem resolution 95 %: seed 001 ("回访率100%,问题解决率95%以上").
# - complaint timeliness and handling 100 %: seed 004 treats every case as answered within the standard time
#   and handled; anything less is a gap the PDCA sheet must explain.
# - satisfied closure 90 %, valid callback 90 %: seed 004 gives no number; 90 % is the usual OEM floor.
# - within 72 hours 95 %: seed 000/002 ask for the post-service call within 3 days; 95 % allows holidays.
# - reach 85 %, reminder return 30 %, CSS 85, first-time fix 95 %, appointment 30 %: seed 002's example
#   report (CSS around 84–88, RBO 88.4) and the demo data (≈27 % appointments); stores adjust them.
KPI_TARGETS: dict[str, tuple[Decimal, str]] = {
    Kpi.COMPLAINT_SATISFACTION: (Decimal("90"), Direction.HIGHER),
    Kpi.COMPLAINT_TIMELINESS: (Decimal("100"), Direction.HIGHER),
    Kpi.COMPLAINT_HANDLING: (Decimal("100"), Direction.HIGHER),
    Kpi.COMPLAINT_VALID_CALLBACK: (Decimal("90"), Direction.HIGHER),
    Kpi.CALLBACK: (Decimal("100"), Direction.HIGHER),
    Kpi.WITHIN_WINDOW: (Decimal("95"), Direction.HIGHER),
    Kpi.REACH: (Decimal("85"), Direction.HIGHER),
    Kpi.PROBLEM_RESOLUTION: (Decimal("95"), Direction.HIGHER),
    Kpi.REMINDER_RETURN: (Decimal("30"), Direction.HIGHER),
    Kpi.CSS: (Decimal("85"), Direction.HIGHER),
    Kpi.FIRST_TIME_FIX: (Decimal("95"), Direction.HIGHER),
    Kpi.APPOINTMENT: (Decimal("30"), Direction.HIGHER),
}

# "Needs improvement" (△) covers actuals up to this many points short of the target (seed 004 marks).
TOLERANCE_POINTS = Decimal("5")
# Implausible calls (seed 003: 弄虚作假): this many "satisfied" calls in a day by one specialist, each shorter
# than IMPLAUSIBLE_SECONDS, are listed for the care director.
IMPLAUSIBLE_SECONDS = 30
IMPLAUSIBLE_COUNT = 3
# Recordings sampled per specialist and month for the audit (seed 003: 每月对回访录音进行抽查).
AUDIT_SAMPLE_SIZE = 5
# First-time fix: a repeat repair of the same vehicle within this many days means the first was not fixed.
FIRST_FIX_DAYS = 30
