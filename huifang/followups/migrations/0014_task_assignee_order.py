# A caller's open tasks indexed in the order "next" hands them out, (assigned_to, status, window_end, due_at,
# id), in place of (assigned_to, status, window_end): the claim (workbench/hand_out.py) walks the index in its
# ORDER BY and stops at the first callable task instead of reading all of the caller's open tasks and sorting
# them, tasks not yet due are passed over on the index alone, and with status and channel written into the
# statement its generic plan is kept (it was planned afresh on every run). The new index is built before the
# old one goes, so the assignee's foreign key is never without one. No claim column in it: claims stay HOT.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0013_attempt_task_at_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="followuptask",
            index=models.Index(
                fields=["assigned_to", "status", "window_end", "due_at", "id"], name="task_assignee_order"
            ),
        ),
        migrations.RemoveIndex(
            model_name="followuptask",
            name="followups_f_assigne_3ddbb6_idx",
        ),
    ]
