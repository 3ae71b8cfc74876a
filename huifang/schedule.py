"""Every periodic job, with its cron expression (store time zone). The scheduler process only enqueues."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    task: str  # dotted path of a django-tasks task
    kwargs: dict = field(default_factory=dict)


SCHEDULE: tuple[Job, ...] = (
    # Every night at 02:10: derived vehicle figures (activity turns dormant/lost as days pass).
    Job("vehicle figures", "10 2 * * *", "huifang.archive.tasks.refresh_vehicle_figures_task"),
    # Every minute: tasks whose worker died stay RUNNING for ever (django-tasks #46/#192); take them back
    # (retried up to 3 runs, then failed and the admins told). Each worker also does this itself.
    Job("recover tasks of dead workers", "* * * * *", "huifang.core.tasks.reap_stale_tasks_task"),
    # Every minute: send the outbox messages that became due (quiet hours over, retry backoff elapsed).
    Job("release outbox", "* * * * *", "huifang.messaging.tasks.release_outbox_task"),
    # Every 5 minutes: post-service calls (修后回访) for the orders delivered since the last run.
    Job(
        "post-service follow-ups",
        "*/5 * * * *",
        "huifang.followups.tasks.run_followups_task",
        {"kinds": ["post_service_call"]},
    ),
    # Every day at 06:00: reminders, lost customers and greetings due today (before the care team starts).
    Job(
        "daily follow-ups",
        "0 6 * * *",
        "huifang.followups.tasks.run_followups_task",
        {
            "kinds": [
                "first_visit_series",
                "maintenance_reminder",
                "first_service_reminder",
                "first_service_lost",
                "warranty_expiry",
                "insurance_renewal",
                "inspection_due",
                "licence_due",
                "lost_customer",
                "birthday_greeting",
                "holiday_greeting",
            ]
        },
    ),
    # On the 1st of every month at 09:00 (after the e-mail quiet hours): last month's reminder
    # effectiveness, e-mailed to each store's service managers (seed 000).
    Job("reminder effectiveness report", "0 9 1 * *", "huifang.followups.tasks.send_effectiveness_reports_task"),
    # Every 15 minutes: appointments kept (matched to the day's repair orders), no-shows with their call task,
    # and the day-before reminders at the store's reminder time.
    Job("appointments", "*/15 * * * *", "huifang.appointments.tasks.sweep_appointments_task"),
    # Every 5 minutes: complaints whose level deadline passed go up one level (idempotent, keyed by the
    # deadline); overdue first contacts and written media reports are notified once.
    Job("complaint escalation", "*/5 * * * *", "huifang.complaints.tasks.escalate_complaints_task"),
    # Every day at 09:00: advisors are reminded of problem records open 2 days or more.
    Job("open problem reminders", "0 9 * * *", "huifang.workbench.tasks.remind_open_problems_task"),
    # Every day at 08:30: care directors hear of a lounge checklist not signed yesterday.
    Job(
        "lounge checklist missing",
        "30 8 * * *",
        "huifang.operations.tasks.flag_missing_lounge_checklists_task",
    ),
    # On the 1st of every month at 07:30: last month's KPI sheet to each store's care director and
    # service and sales managers (once per person and month).
    Job("monthly report", "30 7 1 * *", "huifang.reports.tasks.send_monthly_reports_task"),
    # Every 15 minutes: the survey fallback chain (link by SMS for unreachable calls, e-mail 2 days later);
    # the outbox holds messages during quiet hours.
    Job("survey chain", "*/15 * * * *", "huifang.surveys.tasks.run_survey_chain_task"),
    # Every 5 minutes: each store's daily brief to its work-group robot once its brief time (store time) has
    # come; once a day per store (a guarded claim and the outbox key).
    Job("work-group daily brief", "*/5 * * * *", "huifang.robots.tasks.post_daily_briefs_task"),
)
