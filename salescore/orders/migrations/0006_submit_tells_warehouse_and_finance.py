"""On submit, the warehouse (to prepare stock) and finance (to check credit and prepare the
invoice) hear at once, beside Sales Support (R3.6: the departments concerned, at once). Only
added where the company has not routed those events itself."""

from django.db import migrations
from django.utils import timezone

ROUTES = [("submitted", "warehouse", "准备备货"), ("submitted", "finance", "核对信用、准备开票")]


def forwards(apps, schema_editor):
    Route = apps.get_model("orders", "Route")
    now = timezone.now()
    for event, position, purpose in ROUTES:
        if not Route.objects.filter(event=event, position=position).exists():
            Route.objects.create(event=event, position=position, purpose=purpose, created_at=now, updated_at=now)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_unique_cells_on_sqlite")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
