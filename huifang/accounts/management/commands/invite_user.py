from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.accounts.models import DealerGroup, Store
from huifang.accounts.services import SetupError, invitation_create
from huifang.core import clock
from huifang.core.links import absolute_url


class Command(BaseCommand):
    help = "Invite a person to a store (or a dealer group) in one role and print the one-time invitation link."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the person's name as shown in the app")
        parser.add_argument("--role", required=True, choices=Role.values)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--store", help="store code")
        target.add_argument("--group", help="dealer group code (group manager, group administrator)")
        parser.add_argument("--email", default="")

    def handle(self, *args, name, role, store, group, email, **options):
        store_obj = group_obj = None
        if store:
            store_obj = Store.objects.filter(code=store).first()
            if store_obj is None:
                raise CommandError(f"no store with code {store!r}")
        else:
            group_obj = DealerGroup.objects.filter(code=group).first()
            if group_obj is None:
                raise CommandError(f"no dealer group with code {group!r}")
        try:
            _, key = invitation_create(
                actor=None, role=role, display_name=name, email=email, store=store_obj, group=group_obj, now=clock.now()
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from exc
        link = absolute_url(reverse("accounts:invitation_accept", args=[key]))
        self.stdout.write(f"invitation for {name} ({role}, {store or group}), valid once: {link}")
