"""The weighted open pipeline is kept per owner and expected close date too (decision 0013): an
opportunity's change marks the expected close dates it had and has ('opportunities'); a stage
turning won or lost, or back, changes which opportunities are open, so it marks every day."""

from django.db import migrations, models

PG_UP = """
CREATE FUNCTION planning_mark_pipeline_opportunity() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'opportunities', r.expected_close_date
      FROM new_rows r WHERE r.expected_close_date IS NOT NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO planning_staleday (source, day) SELECT DISTINCT 'opportunities', r.expected_close_date
      FROM old_rows r WHERE r.expected_close_date IS NOT NULL;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER planning_mark_pipeline_opportunity_ins AFTER INSERT ON pipeline_opportunity
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION planning_mark_pipeline_opportunity();
CREATE TRIGGER planning_mark_pipeline_opportunity_upd AFTER UPDATE ON pipeline_opportunity
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION planning_mark_pipeline_opportunity();
CREATE TRIGGER planning_mark_pipeline_opportunity_del AFTER DELETE ON pipeline_opportunity
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION planning_mark_pipeline_opportunity();
CREATE FUNCTION planning_mark_pipeline_stage() RETURNS trigger AS $$
BEGIN
  INSERT INTO planning_staleday (source, day) VALUES ('opportunities', NULL);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER planning_mark_pipeline_stage_upd AFTER UPDATE ON pipeline_stage FOR EACH ROW
  WHEN (OLD.is_won IS DISTINCT FROM NEW.is_won OR OLD.is_lost IS DISTINCT FROM NEW.is_lost)
  EXECUTE FUNCTION planning_mark_pipeline_stage();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS planning_mark_pipeline_opportunity_ins ON pipeline_opportunity;
DROP TRIGGER IF EXISTS planning_mark_pipeline_opportunity_upd ON pipeline_opportunity;
DROP TRIGGER IF EXISTS planning_mark_pipeline_opportunity_del ON pipeline_opportunity;
DROP FUNCTION IF EXISTS planning_mark_pipeline_opportunity();
DROP TRIGGER IF EXISTS planning_mark_pipeline_stage_upd ON pipeline_stage;
DROP FUNCTION IF EXISTS planning_mark_pipeline_stage();
"""


def _sqlite_mark(row: str) -> str:
    return (
        "  INSERT OR IGNORE INTO planning_staleday (source, day) SELECT 'opportunities', "
        f"{row}.expected_close_date WHERE {row}.expected_close_date IS NOT NULL;"
    )


SQLITE_UP = [
    "CREATE TRIGGER planning_mark_pipeline_opportunity_ins AFTER INSERT ON pipeline_opportunity\n"
    f"BEGIN\n{_sqlite_mark('NEW')}\nEND;",
    "CREATE TRIGGER planning_mark_pipeline_opportunity_upd AFTER UPDATE ON pipeline_opportunity\n"
    f"BEGIN\n{_sqlite_mark('OLD')}\n{_sqlite_mark('NEW')}\nEND;",
    "CREATE TRIGGER planning_mark_pipeline_opportunity_del AFTER DELETE ON pipeline_opportunity\n"
    f"BEGIN\n{_sqlite_mark('OLD')}\nEND;",
    "CREATE TRIGGER planning_mark_pipeline_stage_upd AFTER UPDATE ON pipeline_stage\n"
    "WHEN OLD.is_won IS NOT NEW.is_won OR OLD.is_lost IS NOT NEW.is_lost\n"
    "BEGIN\n  INSERT INTO planning_staleday (source, day) VALUES ('opportunities', NULL);\nEND;",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS planning_mark_pipeline_{name}"
    for name in ("opportunity_ins", "opportunity_upd", "opportunity_del", "stage_upd")
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"figure triggers for {vendor}")
    schema_editor.execute("INSERT INTO planning_staleday (source, day) VALUES ('opportunities', NULL)")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0005_figure_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dailyfigure",
            name="metric",
            field=models.CharField(max_length=24),
        ),
        migrations.RunPython(forwards, backwards),
    ]
