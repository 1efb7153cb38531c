"""Starting service levels per priority (hours to first response, hours to resolution)."""

from django.db import migrations

SLA = [("urgent", 2, 24), ("high", 4, 48), ("normal", 8, 72), ("low", 24, 168)]


def forwards(apps, schema_editor):
    Sla = apps.get_model("service", "Sla")
    for priority, response, resolution in SLA:
        Sla.objects.get_or_create(
            priority=priority, defaults={"response_hours": response, "resolution_hours": resolution}
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
