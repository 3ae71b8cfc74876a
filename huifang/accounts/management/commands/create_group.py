from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.accounts.models import DealerGroup
from huifang.accounts.services import SetupError, dealer_group_create, invitation_create
from huifang.core import clock
from huifang.core.links import absolute_url


class Command(BaseCommand):
    help = "Create a dealer group (or use an existing one) and print an invitation link for its administrator."

    def add_arguments(self, parser):
        parser.add_argument("code", help="group code, e.g. YUETONG")
        parser.add_argument("--name", help="group name, e.g. 粤通汽车集团 (needed for a new group)")
        parser.add_argument("--admin", required=True, help="the administrator's name as shown in the app")
        parser.add_argument("--email", default="", help="the administrator's e-mail (optional)")

    def handle(self, *args, code, name, admin, email, **options):
        now = clock.now()
        group = DealerGroup.objects.filter(code=code).first()
        try:
            if group is None:
                if not name:
                    raise CommandError(f"dealer group {code!r} does not exist: give --name to create it")
                group = dealer_group_create(code=code, name=name, actor=None, now=now)
                self.stdout.write(f"dealer group {group.code} {group.name} created")
            _, key = invitation_create(
                actor=None, role=Role.ADMIN, display_name=admin, email=email, group=group, now=now
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from exc
        link = absolute_url(reverse("accounts:invitation_accept", args=[key]))
        self.stdout.write(f"invitation for {admin} (administrator of {group.code}), valid once: {link}")
