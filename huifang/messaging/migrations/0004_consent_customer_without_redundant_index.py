# Drops indexes a composite index already serves (each one costs every insert); the constraints stay.

import django.db.models.deletion
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_foreign_keys_without_redundant_index"),
        ("messaging", "0003_alter_outboxmessage_channel"),
    ]

    operations = [
        drop_foreign_key_index(
            model_name="consentrecord",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="consent_records",
                to="archive.customer",
            ),
            table="messaging_consentrecord",
            column="customer_id",
            index="messaging_consentrecord_customer_id_ef8c475b",
        ),
    ]
