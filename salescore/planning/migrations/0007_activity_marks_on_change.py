"""An activity's update marks its days stale only when it changes what the visit and call figures
count: when, the channel, by whom, deleted or not (planning.metrics). Completing a next step, or a
customer's new owner copied onto its activities (pipeline 0010), leaves the figures as they are: a
night's pool sweep would otherwise mark every day its customers' activities fell on."""

from django.db import migrations

PG_DAY = "(r.occurred_at AT TIME ZONE 'UTC')::date"
COUNTED = ("occurred_at", "channel", "owner_id")  # and whether it is deleted


def _pg_function(update: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION planning_mark_pipeline_activity() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'activities', {PG_DAY} FROM new_rows r;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'activities', {PG_DAY} FROM old_rows r;
  ELSE
{update}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


PG_CHANGED = "({o}, o.deleted_at IS NULL) IS DISTINCT FROM ({n}, n.deleted_at IS NULL)".format(
    o=", ".join(f"o.{column}" for column in COUNTED), n=", ".join(f"n.{column}" for column in COUNTED)
)
PG_UP = _pg_function(
    "    INSERT INTO planning_staleday (source, day)\n"
    "      SELECT DISTINCT 'activities', (v.at AT TIME ZONE 'UTC')::date\n"
    "      FROM old_rows o JOIN new_rows n ON n.id = o.id\n"
    "      CROSS JOIN LATERAL (VALUES (o.occurred_at), (n.occurred_at)) AS v(at)\n"
    f"      WHERE {PG_CHANGED};"
)
PG_DOWN = _pg_function(
    f"    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'activities', {PG_DAY} FROM new_rows r;\n"
    f"    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'activities', {PG_DAY} FROM old_rows r;"
)


def _sqlite_upd(when: str) -> list[str]:
    marks = "\n".join(
        f"  INSERT OR IGNORE INTO planning_staleday (source, day) SELECT DISTINCT 'activities', "
        f"date({row}.occurred_at);"
        for row in ("OLD", "NEW")
    )
    return [
        "DROP TRIGGER IF EXISTS planning_mark_pipeline_activity_upd",
        f"CREATE TRIGGER planning_mark_pipeline_activity_upd AFTER UPDATE ON pipeline_activity\n"
        f"{when}BEGIN\n{marks}\nEND;",
    ]


SQLITE_WHEN = (
    "WHEN "
    + " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COUNTED)
    + " OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)\n"
)


def forwards(apps, schema_editor):
    _apply(schema_editor, PG_UP, _sqlite_upd(SQLITE_WHEN))


def backwards(apps, schema_editor):
    _apply(schema_editor, PG_DOWN, _sqlite_upd(""))


def _apply(schema_editor, pg: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(pg)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"figure triggers for {vendor}")


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0006_pipeline_figures"),
        ("pipeline", "0010_activity_customer_owner"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
