"""Leads point at a campaign record; the free text that named the campaign becomes the source
detail. The text keeps its column ("campaign"), so the rename changes no table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("leads", "0002_list_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="lead", old_name="campaign", new_name="source_detail"),
                migrations.AlterField(
                    model_name="lead",
                    name="source_detail",
                    field=models.CharField(
                        blank=True, db_column="campaign", max_length=120, verbose_name="source detail"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="lead",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="leads",
                to="campaigns.campaign",
                verbose_name="campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["campaign", "-created_at"], name="lead_campaign_idx"),
        ),
    ]
