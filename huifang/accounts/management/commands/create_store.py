from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import DealerGroup, Region
from huifang.accounts.services import SetupError, store_create
from huifang.core import clock


class Command(BaseCommand):
    help = "Create a store of a dealer group (code, name, time zone); opening hours are set on its settings screen."

    def add_arguments(self, parser):
        parser.add_argument("code", help="store code as in the DMS, e.g. SZ02")
        parser.add_argument("--name", required=True, help="store name, e.g. 深圳粤通斯柯达龙华店")
        parser.add_argument("--group", required=True, help="dealer group code")
        parser.add_argument("--time-zone", default="Asia/Shanghai", help="IANA time zone (default Asia/Shanghai)")
        parser.add_argument("--region", default="", help="OEM region code (optional)")
        parser.add_argument("--brand", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--phone", default="")

    def handle(self, *args, code, name, group, time_zone, region, brand, city, phone, **options):
        group_obj = DealerGroup.objects.filter(code=group).first()
        if group_obj is None:
            raise CommandError(f"no dealer group with code {group!r} (create it with create_group)")
        region_obj = None
        if region:
            region_obj = Region.objects.filter(code=region).first()
            if region_obj is None:
                raise CommandError(f"no region with code {region!r}")
        try:
            store = store_create(
                actor=None,
                group=group_obj,
                code=code,
                name=name,
                time_zone=time_zone,
                region=region_obj,
                brand=brand,
                city=city,
                phone=phone,
                now=clock.now(),
            )
        except SetupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"store {store.code} {store.name} created in {group_obj.code} ({store.time_zone})")
