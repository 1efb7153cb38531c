"""The receivables kept per customer and currency too (``CustomerReceivable``): the sums of the
``Receivable`` rows over their owners, written with them by orders.receivables. Filled here from
the kept rows; customers marked stale are recomputed in both tables at the next read."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
INSERT INTO orders_customerreceivable (customer_id, currency, outstanding, overdue, orders)
SELECT customer_id, currency, SUM(outstanding), SUM(overdue), SUM(orders)
FROM orders_receivable GROUP BY customer_id, currency
"""


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_owner_index_covers_deleted"),
        ("orders", "0013_owner_index_covers_deleted"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerReceivable",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("currency", models.CharField(max_length=3)),
                ("outstanding", models.DecimalField(decimal_places=2, max_digits=24)),
                ("overdue", models.DecimalField(decimal_places=2, max_digits=24)),
                ("orders", models.BigIntegerField()),
                (
                    "customer",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["-outstanding", "customer", "currency"], name="customer_receivable_page_idx"
                    )
                ],
            },
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
