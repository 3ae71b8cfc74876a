from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.workbench.store_settings import settings_changed


class Command(BaseCommand):
    help = (
        "Tell every web process that stores' settings changed after a data fix outside the screens and services "
        "(SQL, .update() in a shell): the workbench reads them again on the next request."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="store codes (none: every store)")

    def handle(self, *args, codes: list[str], **options):
        stores = Store.objects.filter(code__in=codes) if codes else Store.objects.all()
        found = list(stores.values_list("pk", "code"))
        missing = set(codes) - {code for _pk, code in found}
        if missing:
            raise CommandError(f"no store with code {', '.join(sorted(missing))}")
        for pk, _code in found:
            settings_changed(store_id=pk)
        self.stdout.write(f"{len(found)} stores: their workbench settings are read again on the next request.")
