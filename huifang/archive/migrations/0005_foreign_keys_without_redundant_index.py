# Drops indexes a composite index already serves (each one costs every insert); the constraints stay.

import django.db.models.deletion
from django.db import migrations, models

from huifang.core.migration_ops import drop_foreign_key_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_store_is_demo_and_invitations"),
        ("archive", "0004_merge_20261207_0834"),
    ]

    operations = [
        drop_foreign_key_index(
            model_name="contact",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contacts",
                to="archive.customer",
            ),
            table="archive_contact",
            column="customer_id",
            index="archive_contact_customer_id_d89e9653",
        ),
        drop_foreign_key_index(
            model_name="customer",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customers",
                to="accounts.store",
            ),
            table="archive_customer",
            column="store_id",
            index="archive_customer_store_id_c77435bd",
        ),
        drop_foreign_key_index(
            model_name="mileagereading",
            name="vehicle",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mileage_readings",
                to="archive.vehicle",
            ),
            table="archive_mileagereading",
            column="vehicle_id",
            index="archive_mileagereading_vehicle_id_848d95ca",
        ),
        drop_foreign_key_index(
            model_name="repairorder",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="repair_orders",
                to="accounts.store",
            ),
            table="archive_repairorder",
            column="store_id",
            index="archive_repairorder_store_id_5d04588b",
        ),
        drop_foreign_key_index(
            model_name="repairorder",
            name="vehicle",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="repair_orders",
                to="archive.vehicle",
            ),
            table="archive_repairorder",
            column="vehicle_id",
            index="archive_repairorder_vehicle_id_ee4061a8",
        ),
        drop_foreign_key_index(
            model_name="vehicle",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="vehicles",
                to="accounts.store",
            ),
            table="archive_vehicle",
            column="store_id",
            index="archive_vehicle_store_id_d1ec13a2",
        ),
    ]
