"""The (owner, stage) index also holds the card order (updated_at, id, newest first), so a rep's
board reads each stage's newest cards as 30 index entries instead of walking the stage's index
and testing every card's owner (decision 0015). It still answers every (owner) and (owner, stage)
lookup the old index did."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pipeline', '0007_board_counts'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='opportunity',
            name='opp_owner_stage_idx',
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['owner', 'stage', '-updated_at', '-id'], name='opp_owner_stage_idx'),
        ),
    ]
