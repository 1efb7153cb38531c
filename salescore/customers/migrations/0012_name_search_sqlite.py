"""SQLite only: a trigram index of the customers' names, so that a search by part of a name reads
the matching customers instead of every one (decision 0022; ``customers.search``). PostgreSQL has
had its trigram index since migration 0006 and gets nothing here.

``customers_customer_name_search`` is an FTS5 table over ``customers_customer.name`` (external
content: it keeps the index, the names stay in the customers' table), kept by three triggers in the
writer's transaction. Their names start with ``customer_name_search_`` (``customers.search.TRIGGERS``);
a bulk load pauses them and rebuilds the index after."""

from django.db import migrations

TABLE = "customers_customer_name_search"
SQLITE_UP = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "name, content='customers_customer', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER customer_name_search_ins AFTER INSERT ON customers_customer\n"
    f"BEGIN\n  INSERT INTO {TABLE}(rowid, name) VALUES (NEW.id, NEW.name);\nEND;",
    f"CREATE TRIGGER customer_name_search_del AFTER DELETE ON customers_customer\n"
    f"BEGIN\n  INSERT INTO {TABLE}({TABLE}, rowid, name) VALUES ('delete', OLD.id, OLD.name);\nEND;",
    f"CREATE TRIGGER customer_name_search_upd AFTER UPDATE OF name ON customers_customer\n"
    f"BEGIN\n  INSERT INTO {TABLE}({TABLE}, rowid, name) VALUES ('delete', OLD.id, OLD.name);\n"
    f"  INSERT INTO {TABLE}(rowid, name) VALUES (NEW.id, NEW.name);\nEND;",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS customer_name_search_{name}" for name in ("ins", "del", "upd")),
    f"DROP TABLE IF EXISTS {TABLE}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_owner_index_covers_deleted")]

    operations = [migrations.RunPython(forwards, backwards)]
