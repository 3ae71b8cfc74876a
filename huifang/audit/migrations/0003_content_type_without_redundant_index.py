# Drops indexes a composite index already serves (each one costs every insert); the constraints stay.

import django.db.models.deletion
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_erase_action"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        drop_foreign_key_index(
            model_name="auditentry",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
            table="audit_auditentry",
            column="content_type_id",
            index="audit_auditentry_content_type_id_3fc095fb",
        ),
    ]
