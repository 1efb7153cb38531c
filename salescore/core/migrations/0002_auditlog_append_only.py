"""Audit rows are append-only in the database too: an UPDATE on them is refused by a trigger."""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS core_auditlog_no_update;"

PG_UP = """
CREATE OR REPLACE FUNCTION core_auditlog_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit records are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
FOR EACH ROW EXECUTE FUNCTION core_auditlog_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS core_auditlog_no_update ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_refuse_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
