"""Each activity keeps its customer's owner (``customer_owner``; None for the public pool), so that
an activity's scope, which is its customer's, is a condition on the activity's own columns and a
rep's list reads it along an index (decision 0018).

Triggers keep the copy exact in the writer's transaction, whatever writes (services, bulk updates,
merges, raw SQL): an activity written with a new customer, or with the column itself, takes the
customer's owner (whatever value the writer sent); a customer whose owner changes passes it to its
activities. PostgreSQL locks the customer's row while an activity copies its owner (FOR NO KEY
UPDATE, the lock an UPDATE of the owner takes), so a concurrent change of owner either waits for the
new activity and then updates it, or commits first and is read. SQLite has a single writer.

The trigger names start with ``activity_holder_`` (``pipeline.models.OWNER_COPY_TRIGGERS``); a bulk
load pauses them (``core.bulk.triggers_paused``) and writes the column itself."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_UP = """
CREATE FUNCTION activity_holder_copy() RETURNS trigger AS $$
BEGIN
  NEW.customer_owner_id := (
    SELECT c.owner_id FROM customers_customer c WHERE c.id = NEW.customer_id FOR NO KEY UPDATE
  );
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER activity_holder_copy BEFORE INSERT OR UPDATE OF customer_id, customer_owner_id
  ON pipeline_activity FOR EACH ROW EXECUTE FUNCTION activity_holder_copy();
CREATE FUNCTION activity_holder_follow() RETURNS trigger AS $$
BEGIN
  UPDATE pipeline_activity SET customer_owner_id = NEW.owner_id
    WHERE customer_id = NEW.id AND customer_owner_id IS DISTINCT FROM NEW.owner_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER activity_holder_follow AFTER UPDATE OF owner_id ON customers_customer
  FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
  EXECUTE FUNCTION activity_holder_follow();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS activity_holder_copy ON pipeline_activity;
DROP TRIGGER IF EXISTS activity_holder_follow ON customers_customer;
DROP FUNCTION IF EXISTS activity_holder_copy();
DROP FUNCTION IF EXISTS activity_holder_follow();
"""
SQLITE_COPY = (
    "UPDATE pipeline_activity SET customer_owner_id = "
    "(SELECT c.owner_id FROM customers_customer c WHERE c.id = NEW.customer_id) WHERE id = NEW.id;"
)
SQLITE_UP = [
    f"CREATE TRIGGER activity_holder_copy_ins AFTER INSERT ON pipeline_activity\nBEGIN\n  {SQLITE_COPY}\nEND;",
    # SQLite runs no trigger again from its own statement (recursive triggers are off by default).
    "CREATE TRIGGER activity_holder_copy_upd AFTER UPDATE OF customer_id, customer_owner_id "
    f"ON pipeline_activity\nBEGIN\n  {SQLITE_COPY}\nEND;",
    "CREATE TRIGGER activity_holder_follow AFTER UPDATE OF owner_id ON customers_customer\n"
    "WHEN OLD.owner_id IS NOT NEW.owner_id\nBEGIN\n"
    "  UPDATE pipeline_activity SET customer_owner_id = NEW.owner_id\n"
    "    WHERE customer_id = NEW.id AND customer_owner_id IS NOT NEW.owner_id;\nEND;",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("activity_holder_copy_ins", "activity_holder_copy_upd", "activity_holder_follow")
]
FILL = (
    "UPDATE pipeline_activity SET customer_owner_id = "
    "(SELECT c.owner_id FROM customers_customer c WHERE c.id = pipeline_activity.customer_id)"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(FILL)
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"activity owner triggers for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_contact_email_upper_index"),
        ("org", "0003_alter_person_position"),
        ("pipeline", "0009_owner_updated_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="customer_owner",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="org.person",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["customer_owner", "-occurred_at", "-id"], include=["deleted_at"], name="activity_holder_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True), ("next_step_done", False), ("next_step_due__isnull", False)),
                fields=["customer_owner", "next_step_due", "id"],
                name="activity_holder_followup_idx",
            ),
        ),
    ]
