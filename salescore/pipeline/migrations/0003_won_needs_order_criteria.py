"""Winning a deal needs what an order needs: a contact, the needs, proposed products, the amount and
the close date. The first seed let an opportunity jump from first contact to won with an amount."""

from django.db import migrations

ORDER_CRITERIA = ["has_contact", "needs_recorded", "products_proposed", "amount_set", "close_date_set"]


def forwards(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    # Only the seeded value is changed: an administrator's own choice is kept.
    Stage.objects.filter(code="won", entry_gates=["amount_set"]).update(entry_gates=ORDER_CRITERIA)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0002_default_stages")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
