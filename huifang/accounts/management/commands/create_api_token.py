from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import User
from huifang.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a bearer token for an API client (phone system, app) and print it once; only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user the client acts as")
        parser.add_argument("--name", required=True, help='what the token is for, e.g. "呼叫中心 call centre"')

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is not active")
        if not name.strip():
            raise CommandError("--name must not be empty")
        token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
        self.stdout.write(
            f"1 token created for {username} ({token.name}, prefix {token.prefix}); "
            "it is shown only now — send it as 'Authorization: Bearer <token>'."
        )
