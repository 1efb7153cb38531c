"""On PostgreSQL, bigram indexes (``core.bigram``) on the opportunity's name and the activity's
subject, so that a search of two characters in their lists (``customers.search.named``: their own
text or their customer's name) reads the indexes instead of walking every opportunity (14.7 s for
a director at size L) or activity. SQLite has none."""

from django.db import migrations

from salescore.core import bigram

OPPORTUNITY = {"opportunity_name_bigram_idx": "name"}
ACTIVITY = {"activity_subject_bigram_idx": "subject"}


def create(apps, schema_editor):
    bigram.create_indexes(schema_editor, "pipeline_opportunity", OPPORTUNITY)
    bigram.create_indexes(schema_editor, "pipeline_activity", ACTIVITY)


def drop(apps, schema_editor):
    bigram.drop_indexes(schema_editor, [*OPPORTUNITY, *ACTIVITY])


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0013_activity_subject_trigram_index"), ("customers", "0013_bigram_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
