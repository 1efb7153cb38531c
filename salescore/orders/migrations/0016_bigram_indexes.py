"""On PostgreSQL, bigram indexes (``core.bigram``) on an order's number and the customer's PO
number, so that a search of two characters in the order list (``customers.search.named``: those
two or the customer's name) reads the indexes instead of walking every order; and trigram and bigram
indexes on the quote's number, whose list searches the same way now. SQLite has none."""

from django.db import migrations

from salescore.core import bigram, trigram

ORDER = {"order_number_bigram_idx": "number", "order_customer_po_bigram_idx": "customer_po"}
QUOTE_TRIGRAM = {"quote_number_trgm_idx": "number"}
QUOTE = {"quote_number_bigram_idx": "number"}


def create(apps, schema_editor):
    bigram.create_indexes(schema_editor, "orders_order", ORDER)
    trigram.create_indexes(schema_editor, "orders_quote", QUOTE_TRIGRAM)
    bigram.create_indexes(schema_editor, "orders_quote", QUOTE)


def drop(apps, schema_editor):
    bigram.drop_indexes(schema_editor, [*ORDER, *QUOTE])
    trigram.drop_indexes(schema_editor, QUOTE_TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [("orders", "0015_order_search_trigram_indexes"), ("customers", "0013_bigram_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
