"""Money rows that even a bug or a hand-typed SQL statement cannot rewrite: a migration operation
that makes PostgreSQL refuse UPDATE and DELETE on the given tables. TRUNCATE (used only to empty
a test database) is not a row operation and stays possible."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


class AlreadyPosted(Exception):
    """The same money form (a sheet, a deposit, a receipt...) was posted before, by its request
    key or its unique month: nothing new was written, and `existing` is what the first post wrote."""

    def __init__(self, existing: object) -> None:
        super().__init__(str(existing))
        self.existing = existing


CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_money_row_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'money rows in % are never updated or deleted: post a reversal', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def refuse_row_changes(*tables: str) -> migrations.RunPython:
    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(CREATE_FUNCTION, params=None)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_money_row_change();",
                params=None,
            )

    def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};", params=None)

    return migrations.RunPython(forwards, backwards, elidable=False)
