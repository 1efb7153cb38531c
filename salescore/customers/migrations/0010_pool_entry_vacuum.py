"""After 0009 wrote the pool customers' entries, vacuum and analyse the customers on PostgreSQL.

The write cleared the visibility map of every page holding a pool customer (about 25,000 pages at
a million customers), so until a vacuum the pool's count read those pages instead of answering
from its index alone (110 ms instead of 4 at size L), and autovacuum waits for a fifth of the table
to change. VACUUM cannot run in a transaction: this migration is not atomic, and does nothing else.
A plain VACUUM blocks neither reads nor writes."""

from django.db import migrations


def vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM (ANALYZE) customers_customer")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("customers", "0009_pool_entry")]
    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=True)]
