# A task's attempts by (task, at, id), the outcome carried in the index (PostgreSQL), in place of the plain
# task_id index: the queue page's count and last outcome of each row read this index alone, the last one
# without a sort; still one index on the table for the task.

import django.db.models.deletion
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0012_task_indexes_for_hot_updates"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contactattempt",
            index=models.Index(fields=["task", "at", "id"], include=("outcome",), name="attempt_task_at_id"),
        ),
        drop_foreign_key_index(
            model_name="contactattempt",
            name="task",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attempts",
                to="followups.followuptask",
            ),
            table="followups_contactattempt",
            column="task_id",
            index="followups_contactattempt_task_id_269891f8",
        ),
    ]
