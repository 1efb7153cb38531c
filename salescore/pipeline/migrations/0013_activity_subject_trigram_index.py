"""On PostgreSQL, a trigram index on the activity's subject, so that a search of the activities
(the subject or the customer's name, ``customers.search.named``) reads the matching activities
instead of walking all of them: at size L a rep's search for a customer's name took 8 s and a
director's over a minute. It needs pg_trgm (``core.trigram``). SQLite has no such index."""

from django.db import migrations

from salescore.core import trigram

TABLE = "pipeline_activity"
INDEXES = {"activity_subject_trgm_idx": "subject"}


def create(apps, schema_editor):
    trigram.create_indexes(schema_editor, TABLE, INDEXES)


def drop(apps, schema_editor):
    trigram.drop_indexes(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0012_opportunity_name_trigram_index")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
