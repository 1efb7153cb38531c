"""The database triggers the migrations write are all there after migrating, on the tables they
were written for. Kept figures, board counts, receivables, the activities' copy of their
customer's owner, the pool entry, SQLite's name search and the audit log's append-only rule all
rely on them, and nothing else would notice one missing: on SQLite, a later migration that makes
Django rebuild a table (altering a column) drops that table's triggers with the old table, and
such a migration must create them again (decision 0022)."""

from __future__ import annotations

from django.db import connection

# (table, trigger) on both databases.
BOTH = {
    ("core_auditlog", "core_auditlog_no_update"),
    ("customers_customer", "activity_holder_follow"),
    *(("orders_instalment", f"orders_mark_receivable_{op}") for op in ("ins", "upd", "del")),
    *(("orders_order", f"orders_mark_receivable_order_{op}") for op in ("upd", "del")),
    *(("pipeline_opportunity", f"pipeline_mark_owner_{op}") for op in ("ins", "upd", "del")),
    *(
        (table, f"planning_mark_{table}_{op}")
        for table in (
            "customers_customer",
            "orders_credit",
            "orders_order",
            "orders_orderline",
            "orders_payment",
            "pipeline_activity",
            "pipeline_opportunity",
        )
        for op in ("ins", "upd", "del")
    ),
    ("pipeline_stage", "planning_mark_pipeline_stage_upd"),
}
# PostgreSQL's trigger functions do in one trigger what SQLite writes per statement kind.
POSTGRESQL = {
    ("pipeline_activity", "activity_holder_copy"),
    ("customers_customer", "customer_pool_entry_keep"),
    ("customers_customer", "customer_pool_entry_keep_new"),
    ("customers_poolmove", "customer_pool_entry_move"),
}
SQLITE = {
    ("pipeline_activity", "activity_holder_copy_ins"),
    ("pipeline_activity", "activity_holder_copy_upd"),
    ("customers_customer", "customer_pool_entry_ins"),
    ("customers_customer", "customer_pool_entry_upd"),
    *(("customers_poolmove", f"customer_pool_entry_move_{op}") for op in ("ins", "upd", "del")),
    # customers.search: PostgreSQL has a trigram index instead
    *(("customers_customer", f"customer_name_search_{op}") for op in ("ins", "upd", "del")),
}


def _triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        return set(cursor.fetchall())


def test_every_trigger_the_migrations_write_is_on_its_table(db):
    expected = BOTH | (POSTGRESQL if connection.vendor == "postgresql" else SQLITE)
    found = _triggers()
    assert not expected - found, f"missing: {sorted(expected - found)}"
    assert not found - expected, f"not listed here: {sorted(found - expected)}"
