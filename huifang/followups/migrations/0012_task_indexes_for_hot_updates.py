# The foreign-key indexes of followups_followuptask that other indexes already serve (store, rule, assigned_to
# lead a composite index or the unique constraint) or that nothing reads (claimed_by), dropped: every insert
# and every update that is not HOT filled 13 indexes. Without the claimed_by index, "next"'s claim and its
# release change only unindexed columns and PostgreSQL updates the row in place (HOT); a fill factor of 90
# leaves room on each page for such updates. The constraints stay.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index

TABLE = "followups_followuptask"


def fill_factor(percent: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":  # SQLite has no fill factor
            schema_editor.execute(f'ALTER TABLE "{TABLE}" SET (fillfactor = {percent})')

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_store_is_demo_and_invitations"),
        ("followups", "0011_board_period_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_foreign_key_index(
            model_name="followuptask",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="followup_tasks",
                to="accounts.store",
            ),
            table=TABLE,
            column="store_id",
            index="followups_followuptask_store_id_f19e60d3",
        ),
        drop_foreign_key_index(
            model_name="followuptask",
            name="rule",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tasks",
                to="followups.followuprule",
            ),
            table=TABLE,
            column="rule_id",
            index="followups_followuptask_rule_id_81c08547",
        ),
        drop_foreign_key_index(
            model_name="followuptask",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="followup_tasks",
                to=settings.AUTH_USER_MODEL,
            ),
            table=TABLE,
            column="assigned_to_id",
            index="followups_followuptask_assigned_to_id_d7a281c2",
        ),
        drop_foreign_key_index(
            model_name="followuptask",
            name="claimed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            table=TABLE,
            column="claimed_by_id",
            index="followups_followuptask_claimed_by_id_b6d88188",
        ),
        migrations.RunPython(fill_factor(90), fill_factor(100)),
    ]
