"""The database itself refuses to change or delete posted money rows, so that not even a bug or a
hand-typed SQL statement can rewrite a member's savings. TRUNCATE (used only to empty a test
database) is not a row operation and stays possible."""

from django.db import migrations

TABLES = ["groups_ledgerentry", "groups_collectionsheet"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_money_row_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'money rows in % are never updated or deleted: post a reversal', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_money_row_change();",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};", params=None)


class Migration(migrations.Migration):
    dependencies = [("groups", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
