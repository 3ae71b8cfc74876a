"""Migration operations shared by the apps."""

from django.db import migrations


def drop_foreign_key_index(*, model_name: str, name: str, field, table: str, column: str, index: str):
    """`db_index=False` on a foreign key whose column already leads a composite index: drop only the index.

    Django's own AlterField drops and re-adds the foreign-key constraint with the index, and re-adding it
    checks every row of the table under a lock; here the constraint is left untouched. `index` is the name
    Django gave the index (the same on PostgreSQL and SQLite).
    """
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
