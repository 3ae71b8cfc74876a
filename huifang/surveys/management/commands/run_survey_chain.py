from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from huifang.core import clock
from huifang.surveys.services import chain_run


class Command(BaseCommand):
    help = "Run the survey fallback chain once: links for unreachable calls, their SMS, then the e-mail."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="run as of this ISO time with its offset, e.g. 2026-11-25T10:00+08:00")

    def handle(self, *args, **options):
        now = clock.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO date-time: {options['now']!r}") from exc
            if now.tzinfo is None:
                raise CommandError("--now: give the time zone offset, e.g. +08:00")
        counts = chain_run(now=now)
        self.stdout.write(f"links {counts['links']}, SMS {counts['sms']}, e-mails {counts['email']}")
