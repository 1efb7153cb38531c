"""Each customer keeps when and why it last went into the public pool (``pool_entered_at``,
``pool_reason``: its latest PoolMove in, by time then id), so that the pool page reads its newest
entries along a partial index instead of looking up every pool customer's moves and sorting them
(decision 0021).

Triggers keep the copy exact in the writer's transaction, whatever writes. On PostgreSQL a customer
row updated with either column, or inserted with one, takes the value from its moves (Django's
save writes every column, so a stale instance would write an old value back), and a move written,
moved to another customer (a merge) or deleted makes its customers' rows write it again. The
customer's row is locked by that UPDATE, and the BEFORE trigger reads the moves after the lock is
granted (a statement of its own, so with a new snapshot): two writers cannot leave an older entry
in place. SQLite (one writer) puts the value right after the statement when it differs.

The trigger names start with ``customer_pool_entry_`` (``customers.models.POOL_ENTRY_TRIGGERS``);
a bulk load pauses them (``core.bulk.triggers_paused``) and writes the columns itself."""

from django.db import migrations, models

LATEST = (
    "SELECT m.at, m.reason FROM customers_poolmove m WHERE m.customer_id = {id} AND m.direction = 'in' "
    "ORDER BY m.at DESC, m.id DESC LIMIT 1"
)
# A new customer has no move yet (a move needs its customer): only a row written with an entry is
# looked at (a fixture's, or a writer's mistake), so an import of new customers pays nothing.
NEW_WITH_ENTRY = "NEW.pool_entered_at IS NOT NULL OR NEW.pool_reason IS NOT NULL"
PG_UP = f"""
CREATE FUNCTION customer_pool_entry_keep() RETURNS trigger AS $$
BEGIN
  NEW.pool_entered_at := NULL;
  NEW.pool_reason := NULL;
  {LATEST.format(id="NEW.id").replace("SELECT m.at, m.reason", "SELECT m.at, m.reason INTO NEW.pool_entered_at, NEW.pool_reason")};
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER customer_pool_entry_keep BEFORE UPDATE OF pool_entered_at, pool_reason
  ON customers_customer FOR EACH ROW EXECUTE FUNCTION customer_pool_entry_keep();
CREATE TRIGGER customer_pool_entry_keep_new BEFORE INSERT ON customers_customer FOR EACH ROW
  WHEN ({NEW_WITH_ENTRY}) EXECUTE FUNCTION customer_pool_entry_keep();
CREATE FUNCTION customer_pool_entry_move() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NOT (TG_OP = 'INSERT' AND NEW.direction <> 'in') THEN
    UPDATE customers_customer SET pool_entered_at = NULL WHERE id = NEW.customer_id;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.customer_id <> NEW.customer_id) THEN
    UPDATE customers_customer SET pool_entered_at = NULL WHERE id = OLD.customer_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER customer_pool_entry_move AFTER INSERT OR UPDATE OR DELETE ON customers_poolmove
  FOR EACH ROW EXECUTE FUNCTION customer_pool_entry_move();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS customer_pool_entry_keep ON customers_customer;
DROP TRIGGER IF EXISTS customer_pool_entry_keep_new ON customers_customer;
DROP TRIGGER IF EXISTS customer_pool_entry_move ON customers_poolmove;
DROP FUNCTION IF EXISTS customer_pool_entry_keep();
DROP FUNCTION IF EXISTS customer_pool_entry_move();
"""


def _sqlite_put(row: str) -> str:
    latest = LATEST.format(id=row)
    return (
        f"UPDATE customers_customer SET (pool_entered_at, pool_reason) = ({latest}) "
        f"WHERE id = {row} AND (pool_entered_at, pool_reason) IS NOT ({latest});"
    )


SQLITE_UP = [
    # SQLite runs no trigger again from its own statement (recursive triggers are off by default);
    # the moves' triggers run the customer's, which then finds nothing to put right.
    f"CREATE TRIGGER customer_pool_entry_ins AFTER INSERT ON customers_customer WHEN {NEW_WITH_ENTRY}\n"
    f"BEGIN\n  {_sqlite_put('NEW.id')}\nEND;",
    f"CREATE TRIGGER customer_pool_entry_upd AFTER UPDATE OF pool_entered_at, pool_reason ON customers_customer\n"
    f"BEGIN\n  {_sqlite_put('NEW.id')}\nEND;",
    f"CREATE TRIGGER customer_pool_entry_move_ins AFTER INSERT ON customers_poolmove WHEN NEW.direction = 'in'\n"
    f"BEGIN\n  {_sqlite_put('NEW.customer_id')}\nEND;",
    f"CREATE TRIGGER customer_pool_entry_move_upd AFTER UPDATE ON customers_poolmove\n"
    f"BEGIN\n  {_sqlite_put('NEW.customer_id')}\n  {_sqlite_put('OLD.customer_id')}\nEND;",
    f"CREATE TRIGGER customer_pool_entry_move_del AFTER DELETE ON customers_poolmove\n"
    f"BEGIN\n  {_sqlite_put('OLD.customer_id')}\nEND;",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS customer_pool_entry_{name}"
    for name in ("ins", "upd", "move_ins", "move_upd", "move_del")
]
FILL = {
    "postgresql": (
        "UPDATE customers_customer c SET pool_entered_at = e.at, pool_reason = e.reason FROM ("
        "SELECT DISTINCT ON (m.customer_id) m.customer_id, m.at, m.reason FROM customers_poolmove m "
        "WHERE m.direction = 'in' ORDER BY m.customer_id, m.at DESC, m.id DESC) e WHERE e.customer_id = c.id"
    ),
    "sqlite": (
        f"UPDATE customers_customer SET (pool_entered_at, pool_reason) = ({LATEST.format(id='customers_customer.id')}) "
        "WHERE id IN (SELECT customer_id FROM customers_poolmove WHERE direction = 'in')"
    ),
}


INDEX = "customer_pool_entered_idx"
# Newest entries first (ties: the larger id), customers never moved in last, on both databases:
# PostgreSQL sorts NULLs first in a descending order unless told, SQLite sorts them last.
INDEX_SQL = (
    "CREATE INDEX {index} ON customers_customer (pool_entered_at DESC{nulls}, id DESC) "
    "WHERE owner_id IS NULL AND deleted_at IS NULL"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in FILL:
        raise NotImplementedError(f"pool entry triggers for {vendor}")
    schema_editor.execute(FILL[vendor])
    schema_editor.execute(INDEX_SQL.format(index=INDEX, nulls=" NULLS LAST" if vendor == "postgresql" else ""))
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_contact_email_upper_index")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="pool_entered_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="in the pool since"),
        ),
        migrations.AddField(
            model_name="customer",
            name="pool_reason",
            field=models.CharField(blank=True, editable=False, max_length=16, null=True, verbose_name="reason"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
