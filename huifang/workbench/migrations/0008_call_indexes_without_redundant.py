# Drops the foreign-key indexes of call records and answers that another index already serves (store, caller,
# advisor lead the (…, ended_at) indexes; call leads the unique (call, question) constraint): each one cost
# every saved call or answer an index entry. The constraints stay.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_store_is_demo_and_invitations"),
        ("workbench", "0007_settings_token_for_every_store"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_foreign_key_index(
            model_name="answer",
            name="call",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="workbench.callrecord",
            ),
            table="workbench_answer",
            column="call_id",
            index="workbench_answer_call_id_3902201c",
        ),
        drop_foreign_key_index(
            model_name="callrecord",
            name="advisor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            table="workbench_callrecord",
            column="advisor_id",
            index="workbench_callrecord_advisor_id_2ca4bc12",
        ),
        drop_foreign_key_index(
            model_name="callrecord",
            name="caller",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="calls_made",
                to=settings.AUTH_USER_MODEL,
            ),
            table="workbench_callrecord",
            column="caller_id",
            index="workbench_callrecord_caller_id_4d184c98",
        ),
        drop_foreign_key_index(
            model_name="callrecord",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="call_records",
                to="accounts.store",
            ),
            table="workbench_callrecord",
            column="store_id",
            index="workbench_callrecord_store_id_d50a2bff",
        ),
    ]
