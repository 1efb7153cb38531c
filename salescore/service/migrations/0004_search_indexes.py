"""On PostgreSQL, trigram and bigram indexes (``core.trigram``, ``core.bigram``) on a ticket's number
and subject, which the ticket list searches with its customer's name (``customers.search.named``).
SQLite has none."""

from django.db import migrations

from salescore.core import bigram, trigram

TABLE = "service_ticket"
TRIGRAM = {"ticket_number_trgm_idx": "number", "ticket_subject_trgm_idx": "subject"}
BIGRAM = {"ticket_number_bigram_idx": "number", "ticket_subject_bigram_idx": "subject"}


def create(apps, schema_editor):
    trigram.create_indexes(schema_editor, TABLE, TRIGRAM)
    bigram.create_indexes(schema_editor, TABLE, BIGRAM)


def drop(apps, schema_editor):
    trigram.drop_indexes(schema_editor, TRIGRAM)
    bigram.drop_indexes(schema_editor, BIGRAM)


class Migration(migrations.Migration):
    dependencies = [("service", "0003_sales_order_labels"), ("customers", "0013_bigram_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
