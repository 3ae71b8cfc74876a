"""Hand-written aggregates for the monthly report's figures: the baseline the report is measured against.

Each function is plain SQL written from the KPI definitions (seed 002/004), not from the ORM code: one
statement per figure, the month's bounds as parameters. `compare(store, month)` runs the project's figure
function and its baseline on the same data, checks that the counts agree and returns the timings.
"""

import time
from decimal import Decimal

SQL_COMPLAINTS = """
SELECT c.store_id,
       count(*),
       count(*) FILTER (WHERE c.status = %(closed)s
                          AND EXISTS (SELECT 1 FROM complaints_complaintfollowup f
                                      WHERE f.complaint_id = c.id AND f.satisfied
                                        AND f.answered_at >= c.closed_at)),
       count(*) FILTER (WHERE c.first_contacted_at IS NOT NULL AND c.first_contacted_at <= c.first_contact_due),
       count(*) FILTER (WHERE c.status = %(closed)s)
  FROM complaints_complaint c
 WHERE c.store_id = %(store)s AND c.received_at >= %(start)s AND c.received_at < %(end)s
 GROUP BY c.store_id
"""

SQL_COMPLAINT_CALLBACKS = """
SELECT count(*), count(*) FILTER (WHERE a.outcome = %(completed)s)
  FROM followups_contactattempt a JOIN followups_followuptask t ON t.id = a.task_id
 WHERE t.store_id = %(store)s AND t.kind = %(complaint_kind)s AND a.at >= %(start)s AND a.at < %(end)s
"""

SQL_FOLLOWUPS = """
SELECT t.assigned_to_id, o.advisor_id,
       count(*),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM followups_contactattempt a WHERE a.task_id = t.id)),
       count(*) FILTER (WHERE t.status = %(done)s AND t.closed_at <= t.window_end),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM followups_contactattempt a
                                      WHERE a.task_id = t.id AND a.outcome IN ({reached})))
  FROM followups_followuptask t LEFT JOIN archive_repairorder o ON o.id = t.repair_order_id
 WHERE t.store_id = %(store)s AND t.kind = %(post_service)s AND t.status <> %(cancelled)s
   AND t.due_at >= %(start)s AND t.due_at < %(end)s
 GROUP BY t.assigned_to_id, o.advisor_id
"""

SQL_CSS = """
SELECT q.code,
       sum(an.value * CASE q.kind WHEN 'scale10' THEN 10 WHEN 'scale5' THEN 20 ELSE 100 END),
       count(*)
  FROM workbench_answer an
  JOIN workbench_callrecord cr ON cr.id = an.call_id
  JOIN workbench_question q ON q.id = an.question_id
 WHERE cr.store_id = %(store)s AND cr.ended_at >= %(start)s AND cr.ended_at < %(end)s
   AND q.kind IN ('scale10', 'scale5', 'yes_no') AND an.value IS NOT NULL
 GROUP BY q.code
"""


def _params(store, month) -> dict:
    from django.db import connection

    from huifang.complaints.choices import ComplaintStatus
    from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
    from huifang.reports.figures import REACHED_OUTCOMES, month_bounds, time_zone

    start, end = month_bounds(month, time_zone([store]))
    # SQLite keeps datetimes as naive UTC text; the backend's own adapter writes the bounds the same way.
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "store": store.pk,
        "start": adapt(start),
        "end": adapt(end),
        "closed": ComplaintStatus.CLOSED.value,
        "completed": AttemptOutcome.COMPLETED.value,
        "complaint_kind": RuleKind.COMPLAINT_FOLLOW_UP.value,
        "post_service": RuleKind.POST_SERVICE_CALL.value,
        "done": TaskStatus.DONE.value,
        "cancelled": TaskStatus.CANCELLED.value,
        "reached": tuple(str(o) for o in REACHED_OUTCOMES),
    }


def _run(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    # Neither driver expands a tuple parameter the same way; the outcomes are our own constants, so they are
    # spelled out as literals.
    reached = ", ".join(f"'{value}'" for value in params["reached"])
    sql = sql.replace("{reached}", reached)
    with connection.cursor() as cursor:
        cursor.execute(sql, {k: v for k, v in params.items() if k != "reached"})
        return cursor.fetchall()


def hand_complaint_kpis(store, month) -> dict:
    params = _params(store, month)
    rows = _run(SQL_COMPLAINTS, params)
    received, satisfied, timely, handled = rows[0][1:] if rows else (0, 0, 0, 0)
    callbacks, valid = _run(SQL_COMPLAINT_CALLBACKS, params)[0]
    return {
        "received": received,
        "satisfied": satisfied,
        "timely": timely,
        "handled": handled,
        "callbacks": callbacks,
        "valid_callbacks": valid or 0,
    }


def hand_followup_kpis(store, month) -> dict:
    rows = _run(SQL_FOLLOWUPS, _params(store, month))
    totals = [sum(row[i] for row in rows) for i in range(2, 6)]
    per_specialist: dict = {}
    for row in rows:
        sums = per_specialist.setdefault(row[0], [0, 0, 0, 0])
        for i in range(4):
            sums[i] += row[2 + i]
    return {
        "total": dict(zip(("due", "attempted", "within", "reached"), totals, strict=True)),
        "specialist": per_specialist,
    }


def hand_css(store, month) -> dict:
    return {code: (Decimal(points) / answers) for code, points, answers in _run(SQL_CSS, _params(store, month))}


def _timed(function, *args, repeat: int = 3):
    """The best of `repeat` runs (the machine is shared), and the last result."""
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def compare(store, month) -> list[dict]:
    """Each figure beside its hand-written SQL: seconds of both, their ratio and whether the counts agree."""
    from huifang.reports import figures

    stores = [store]
    pairs = []

    project_s, project = _timed(lambda: figures.complaint_kpis(stores=stores, month=month))
    hand_s, hand = _timed(hand_complaint_kpis, store, month)
    same = all(project["total"][k] == v for k, v in hand.items())
    pairs.append(("complaint_kpis", project_s, hand_s, same))

    project_s, project = _timed(lambda: figures.followup_kpis(stores=stores, month=month, by=("specialist", "advisor")))
    hand_s, hand = _timed(hand_followup_kpis, store, month)
    same = (
        all(project["total"][k] == v for k, v in hand["total"].items())
        and {row["id"]: [row[k] for k in ("due", "attempted", "within", "reached")] for row in project["specialist"]}
        == hand["specialist"]
    )
    pairs.append(("followup_kpis", project_s, hand_s, same))

    project_s, project = _timed(lambda: figures.css_scores(stores=stores, month=month))
    hand_s, hand = _timed(hand_css, store, month)
    items = project.get(None, {"items": {}})["items"]
    same = set(items) == set(hand) and all(
        abs(Decimal(items[code]["score"]) - score) <= Decimal("0.05") for code, score in hand.items()
    )
    pairs.append(("css_scores", project_s, hand_s, same))

    return [
        {"figure": name, "project_s": p, "baseline_s": h, "ratio": p / h if h else None, "same": ok}
        for name, p, h, ok in pairs
    ]
