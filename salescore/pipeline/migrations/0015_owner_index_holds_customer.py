"""The owner's index of opportunities (a rep's list, newest first) holds each one's customer as well
(INCLUDE, PostgreSQL; SQLite keeps the plain index): a rep's search reads the customers of the
rep's opportunities from it alone, then the names among those (``customers.search._customers_of``)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0013_bigram_indexes'),
        ('org', '0003_alter_person_position'),
        ('pipeline', '0014_bigram_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_owner_updated_idx',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['owner', '-updated_at', '-id'], include=('deleted_at', 'customer'), name='opp_owner_updated_idx'),
        ),
    ]
