"""Seed each store's calendar with the business hours its complaint policy had (Monday to Friday), before
those fields move from the complaint policy to the store calendar."""

from django.db import migrations


def forwards(apps, schema_editor):
    ComplaintPolicy = apps.get_model("complaints", "ComplaintPolicy")
    StoreCalendar = apps.get_model("calendars", "StoreCalendar")
    rows = []
    for policy in ComplaintPolicy.objects.all():
        hours = [f"{policy.business_start:%H:%M}", f"{policy.business_end:%H:%M}"]
        if policy.business_end <= policy.business_start:
            hours = ["08:30", "17:30"]
        rows.append(StoreCalendar(store_id=policy.store_id, weekly_hours=[hours] * 5 + [None, None]))
    StoreCalendar.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0001_store_calendar"),
        ("complaints", "0003_event_kind_label"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
