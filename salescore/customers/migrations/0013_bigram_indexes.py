"""On PostgreSQL, bigram indexes (``core.bigram``) on the customer's and the contact's name, so that
a search of two characters (a short name "成鑫", a person "张伟") reads the index instead of every
customer or contact; and a trigram index on the contact's name, which the contact list's search
(``customers.search.named``) reads for longer parts, as the customer's (0006). SQLite has none."""

from django.db import migrations

from salescore.core import bigram, trigram

CUSTOMER = {"customer_name_bigram_idx": "name"}
CONTACT = {"contact_name_bigram_idx": "name"}
CONTACT_TRIGRAM = {"contact_name_trgm_idx": "name"}


def create(apps, schema_editor):
    bigram.create_indexes(schema_editor, "customers_customer", CUSTOMER)
    bigram.create_indexes(schema_editor, "customers_contact", CONTACT)
    trigram.create_indexes(schema_editor, "customers_contact", CONTACT_TRIGRAM)


def drop(apps, schema_editor):
    bigram.drop_indexes(schema_editor, [*CUSTOMER, *CONTACT])
    trigram.drop_indexes(schema_editor, CONTACT_TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_name_search_sqlite")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
