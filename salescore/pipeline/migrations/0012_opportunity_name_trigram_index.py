"""On PostgreSQL, a trigram index on the opportunity's name, so that a search of the opportunity
list (its name or its customer's, ``customers.search.named``) reads the matching opportunities
instead of walking all of them: at size L the director's search for a customer's name took 24 s.
It needs pg_trgm (``core.trigram``). SQLite has no such index."""

from django.db import migrations

from salescore.core import trigram

TABLE = "pipeline_opportunity"
INDEXES = {"opportunity_name_trgm_idx": "name"}


def create(apps, schema_editor):
    trigram.create_indexes(schema_editor, TABLE, INDEXES)


def drop(apps, schema_editor):
    trigram.drop_indexes(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0011_owner_index_covers_deleted"), ("customers", "0006_name_trigram_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
