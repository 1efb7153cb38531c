"""The receivables kept per customer, owner and currency (decision 0016). Every write that changes
what a customer owes (an instalment added, re-planned, paid or removed; an order submitted,
cancelled, handed over, moved to another customer, deleted or restored) records the customer in
orders_stalereceivable, in the writer's own transaction, by a trigger: services, bulk updates and
raw SQL alike. PostgreSQL: statement-level triggers over the transition tables, no unique index
(concurrent writers never wait). SQLite: row-level triggers into a unique index. A NULL customer
marks everyone's receivables stale: the migration leaves one, so the first read (or the minute's
refresh) fills the table."""

import django.db.models.deletion
from django.db import migrations, models

MARK = "INSERT INTO orders_stalereceivable (customer_id)"
# The columns the receivables depend on: any other change (a reminder's date, updated_at) marks nothing.
PG_INSTALMENT_CHANGED = (
    "(o.order_id, o.due_date, o.amount, o.currency, o.received) IS DISTINCT FROM "
    "(n.order_id, n.due_date, n.amount, n.currency, n.received)"
)
PG_ORDER_CHANGED = (
    "(o.customer_id, o.owner_id, o.status, o.deleted_at IS NULL) IS DISTINCT FROM "
    "(n.customer_id, n.owner_id, n.status, n.deleted_at IS NULL)"
)
PG_UP = f"""
CREATE FUNCTION orders_mark_instalment() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {MARK} SELECT DISTINCT d.customer_id FROM new_rows r JOIN orders_order d ON d.id = r.order_id;
  ELSIF TG_OP = 'DELETE' THEN
    {MARK} SELECT DISTINCT d.customer_id FROM old_rows r JOIN orders_order d ON d.id = r.order_id;
  ELSE
    {MARK} SELECT DISTINCT d.customer_id FROM orders_order d WHERE d.id IN (
      SELECT unnest(ARRAY[o.order_id, n.order_id])
      FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {PG_INSTALMENT_CHANGED});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION orders_mark_order() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    {MARK} SELECT DISTINCT r.customer_id FROM old_rows r;
  ELSE
    {MARK} SELECT DISTINCT unnest(ARRAY[o.customer_id, n.customer_id])
      FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {PG_ORDER_CHANGED};
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER orders_mark_receivable_ins AFTER INSERT ON orders_instalment
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orders_mark_instalment();
CREATE TRIGGER orders_mark_receivable_upd AFTER UPDATE ON orders_instalment
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION orders_mark_instalment();
CREATE TRIGGER orders_mark_receivable_del AFTER DELETE ON orders_instalment
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orders_mark_instalment();
CREATE TRIGGER orders_mark_receivable_order_upd AFTER UPDATE ON orders_order
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION orders_mark_order();
CREATE TRIGGER orders_mark_receivable_order_del AFTER DELETE ON orders_order
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orders_mark_order();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS orders_mark_receivable_ins ON orders_instalment;
DROP TRIGGER IF EXISTS orders_mark_receivable_upd ON orders_instalment;
DROP TRIGGER IF EXISTS orders_mark_receivable_del ON orders_instalment;
DROP TRIGGER IF EXISTS orders_mark_receivable_order_upd ON orders_order;
DROP TRIGGER IF EXISTS orders_mark_receivable_order_del ON orders_order;
DROP FUNCTION IF EXISTS orders_mark_instalment();
DROP FUNCTION IF EXISTS orders_mark_order();
"""


def _sqlite_mark_order(row: str) -> str:
    return f"  INSERT OR IGNORE {MARK[len('INSERT '):]} SELECT customer_id FROM orders_order WHERE id = {row}.order_id;"


def _sqlite_mark_customer(row: str) -> str:
    return f"  INSERT OR IGNORE {MARK[len('INSERT '):]} VALUES ({row}.customer_id);"


SQLITE_UP = [
    "CREATE UNIQUE INDEX orders_stalereceivable_unique ON orders_stalereceivable (customer_id)",
    "CREATE TRIGGER orders_mark_receivable_ins AFTER INSERT ON orders_instalment\n"
    f"BEGIN\n{_sqlite_mark_order('NEW')}\nEND;",
    "CREATE TRIGGER orders_mark_receivable_upd AFTER UPDATE ON orders_instalment\n"
    "WHEN OLD.order_id IS NOT NEW.order_id OR OLD.due_date IS NOT NEW.due_date "
    "OR OLD.amount IS NOT NEW.amount OR OLD.currency IS NOT NEW.currency OR OLD.received IS NOT NEW.received\n"
    f"BEGIN\n{_sqlite_mark_order('OLD')}\n{_sqlite_mark_order('NEW')}\nEND;",
    "CREATE TRIGGER orders_mark_receivable_del AFTER DELETE ON orders_instalment\n"
    f"BEGIN\n{_sqlite_mark_order('OLD')}\nEND;",
    "CREATE TRIGGER orders_mark_receivable_order_upd AFTER UPDATE ON orders_order\n"
    "WHEN OLD.customer_id IS NOT NEW.customer_id OR OLD.owner_id IS NOT NEW.owner_id "
    "OR OLD.status IS NOT NEW.status OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)\n"
    f"BEGIN\n{_sqlite_mark_customer('OLD')}\n{_sqlite_mark_customer('NEW')}\nEND;",
    "CREATE TRIGGER orders_mark_receivable_order_del AFTER DELETE ON orders_order\n"
    f"BEGIN\n{_sqlite_mark_customer('OLD')}\nEND;",
]
SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS orders_mark_receivable_{suffix}"
        for suffix in ("ins", "upd", "del", "order_upd", "order_del")
    ),
    "DROP INDEX IF EXISTS orders_stalereceivable_unique",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"receivable triggers for {vendor}")
    schema_editor.execute("INSERT INTO orders_stalereceivable (customer_id) VALUES (NULL)")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)



class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_contact_email_upper_index'),
        ('orders', '0009_late_deliveries_index'),
        ('org', '0003_alter_person_position'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleReceivable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('customer_id', models.BigIntegerField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='Receivable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(max_length=3)),
                ('outstanding', models.DecimalField(decimal_places=2, max_digits=24)),
                ('overdue', models.DecimalField(decimal_places=2, max_digits=24)),
                ('orders', models.BigIntegerField()),
                ('as_of', models.DateField()),
                ('next_due', models.DateField(null=True)),
                ('customer', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.customer')),
                ('owner', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.person')),
            ],
            options={
                'indexes': [models.Index(fields=['owner', 'customer'], name='receivable_owner_idx'), models.Index(fields=['customer'], name='receivable_customer_idx'), models.Index(fields=['next_due'], name='receivable_next_due_idx'), models.Index(fields=['as_of'], name='receivable_as_of_idx')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
