"""Every write to a table a figure is computed from records the days it touches in
planning_staleday, in the writer's transaction, by a trigger: services, bulk updates, merges and
raw SQL alike (decision 0013). Datetimes are recorded by their UTC date; planning.figures
recomputes the neighbouring local days too.

PostgreSQL: one statement-level trigger per table and operation, reading the statement's
transition tables, so a bulk UPDATE of 100,000 rows adds one row per distinct day. No unique index:
concurrent writers never wait on each other's markers. SQLite: row-level triggers into a unique
index (INSERT OR IGNORE); SQLite has a single writer.

Existing data: one marker per source with no day (every day), recomputed at the first read or by
``manage.py refresh_figures``."""

from django.db import migrations

# What each table's change marks: (source, day expression, tables joined, condition). {r} is
# the changed row (the transition table's alias on PostgreSQL, NEW or OLD on SQLite); {utc_date}
# wraps a datetime into its UTC date.
MARKS = {
    "orders_order": [
        ("orders", "{r}.order_date", "", ""),
        ("payments", "p.received_on", "orders_payment p", "p.order_id = {r}.id"),
    ],
    "orders_orderline": [
        ("orders", "o.order_date", "orders_order o", "o.id = {r}.order_id"),
    ],
    "orders_credit": [
        ("orders", "o.order_date", "orders_order o", "o.id = {r}.order_id"),
        ("payments", "p.received_on", "orders_payment p", "p.order_id = {r}.order_id"),
    ],
    "orders_payment": [
        ("payments", "{r}.received_on", "", ""),
    ],
    "customers_customer": [
        ("customers", "{utc_date}", "", "", "created_at"),
    ],
    "pipeline_activity": [
        ("activities", "{utc_date}", "", "", "occurred_at"),
    ],
}
SOURCES = ("orders", "payments", "customers", "activities")


PG_UTC_DATE = "({} AT TIME ZONE 'UTC')::date"
SQLITE_UTC_DATE = "date({})"


def _select(mark, r: str, transition: str | None, utc_date: str) -> str:
    source, day, tables, condition, *stamp = mark
    day = day.format(r=r, utc_date=utc_date.format(f"{r}.{stamp[0]}") if stamp else "")
    froms = [t for t in (tables, f"{transition} {r}" if transition else "") if t]
    sql = f"SELECT DISTINCT '{source}', {day}"
    if froms:
        sql += " FROM " + ", ".join(froms)
    if condition:
        sql += " WHERE " + condition.format(r=r)
    return sql


def _pg(table: str) -> str:
    def inserts(transition):
        return "\n".join(
            f"    INSERT INTO planning_staleday (source, day) {_select(m, 'r', transition, PG_UTC_DATE)};"
            for m in MARKS[table]
        )

    name = f"planning_mark_{table}"
    return f"""
CREATE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
{inserts("new_rows")}
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
{inserts("old_rows")}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {name}_ins AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _sqlite(table: str) -> list[str]:
    statements = []
    for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        body = "\n".join(
            f"  INSERT OR IGNORE INTO planning_staleday (source, day) {_select(m, r, None, SQLITE_UTC_DATE)};"
            for r in rows
            for m in MARKS[table]
        )
        statements.append(
            f"CREATE TRIGGER planning_mark_{table}_{event.lower()[:3]} AFTER {event} ON {table}\n"
            f"BEGIN\n{body}\nEND;"
        )
    return statements


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in MARKS:
            schema_editor.execute(_pg(table))
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE UNIQUE INDEX planning_staleday_unique ON planning_staleday (source, day)"
        )
        for table in MARKS:
            for statement in _sqlite(table):
                schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"figure triggers for {vendor}")
    for source in SOURCES:
        schema_editor.execute("INSERT INTO planning_staleday (source, day) VALUES (%s, NULL)", [source])


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in MARKS:
        if vendor == "postgresql":
            for suffix in ("ins", "upd", "del"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS planning_mark_{table}_{suffix} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS planning_mark_{table}()")
        else:
            for suffix in ("ins", "upd", "del"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS planning_mark_{table}_{suffix}")
    if vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS planning_staleday_unique")


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_daily_figures"),
        ("orders", "0007_list_order_indexes"),
        ("customers", "0008_contact_email_upper_index"),
        ("pipeline", "0005_list_order_indexes"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
