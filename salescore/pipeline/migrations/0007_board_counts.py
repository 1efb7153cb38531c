"""The pipeline board's totals kept per owner, stage and currency (decision 0015). Every write to
the opportunities that changes an owner's counts (a new, moved, re-priced, handed-over, deleted or
restored opportunity) records the owners it touches in pipeline_staleowner, in the writer's own
transaction, by a trigger: services, bulk updates and raw SQL alike. PostgreSQL: statement-level
triggers over the transition tables, no unique index (concurrent writers never wait). SQLite:
row-level triggers into a unique index. A NULL owner marks everyone's counts stale: the migration
leaves one, so the first read (or the minute's refresh) fills the table."""

import django.db.models.deletion
from django.db import migrations, models

# The columns the counts depend on: a change to any other (a name, a date, updated_at) marks nothing.
PG_CHANGED = (
    "(o.owner_id, o.stage_id, o.currency, o.amount, o.deleted_at IS NULL) IS DISTINCT FROM "
    "(n.owner_id, n.stage_id, n.currency, n.amount, n.deleted_at IS NULL)"
)
PG_UP = f"""
CREATE FUNCTION pipeline_mark_owner() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pipeline_staleowner (owner_id) SELECT DISTINCT r.owner_id FROM new_rows r;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pipeline_staleowner (owner_id) SELECT DISTINCT r.owner_id FROM old_rows r;
  ELSE
    INSERT INTO pipeline_staleowner (owner_id)
      SELECT DISTINCT unnest(ARRAY[o.owner_id, n.owner_id])
      FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {PG_CHANGED};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pipeline_mark_owner_ins AFTER INSERT ON pipeline_opportunity
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pipeline_mark_owner();
CREATE TRIGGER pipeline_mark_owner_upd AFTER UPDATE ON pipeline_opportunity
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pipeline_mark_owner();
CREATE TRIGGER pipeline_mark_owner_del AFTER DELETE ON pipeline_opportunity
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION pipeline_mark_owner();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS pipeline_mark_owner_ins ON pipeline_opportunity;
DROP TRIGGER IF EXISTS pipeline_mark_owner_upd ON pipeline_opportunity;
DROP TRIGGER IF EXISTS pipeline_mark_owner_del ON pipeline_opportunity;
DROP FUNCTION IF EXISTS pipeline_mark_owner();
"""


def _sqlite_mark(row: str) -> str:
    return f"  INSERT OR IGNORE INTO pipeline_staleowner (owner_id) VALUES ({row}.owner_id);"


SQLITE_UP = [
    "CREATE UNIQUE INDEX pipeline_staleowner_unique ON pipeline_staleowner (owner_id)",
    "CREATE TRIGGER pipeline_mark_owner_ins AFTER INSERT ON pipeline_opportunity\n"
    f"BEGIN\n{_sqlite_mark('NEW')}\nEND;",
    "CREATE TRIGGER pipeline_mark_owner_upd AFTER UPDATE ON pipeline_opportunity\n"
    "WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.stage_id IS NOT NEW.stage_id "
    "OR OLD.currency IS NOT NEW.currency OR OLD.amount IS NOT NEW.amount "
    "OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)\n"
    f"BEGIN\n{_sqlite_mark('OLD')}\n{_sqlite_mark('NEW')}\nEND;",
    "CREATE TRIGGER pipeline_mark_owner_del AFTER DELETE ON pipeline_opportunity\n"
    f"BEGIN\n{_sqlite_mark('OLD')}\nEND;",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS pipeline_mark_owner_{suffix}" for suffix in ("ins", "upd", "del")),
    "DROP INDEX IF EXISTS pipeline_staleowner_unique",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"stage count triggers for {vendor}")
    schema_editor.execute("INSERT INTO pipeline_staleowner (owner_id) VALUES (NULL)")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0003_alter_person_position'),
        ('pipeline', '0006_open_followups_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleOwner',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('owner_id', models.BigIntegerField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='StageCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(max_length=3)),
                ('count', models.BigIntegerField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=24)),
                ('owner', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.person')),
                ('stage', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pipeline.stage')),
            ],
            options={
                'indexes': [models.Index(fields=['owner', 'stage', 'currency'], include=('count', 'amount'), name='stagecount_owner_idx')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
