from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.complaints.services import complaints_escalate_due
from huifang.core import clock


class Command(BaseCommand):
    help = "Escalate complaints whose deadline passed, at now or at --now (to replay the clock)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the instant to sweep at, ISO 8601 (e.g. 2026-11-26T10:00+08:00)")

    def handle(self, *args, **options):
        now = clock.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now is not an ISO 8601 instant: {options['now']!r}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = complaints_escalate_due(now=now)
        self.stdout.write(
            f"escalated {counts['escalated']} complaint(s) by {counts['levels']} level(s); "
            f"first contact overdue {counts['first_contact_overdue']}; "
            f"written report overdue {counts['media_report_overdue']}"
        )
