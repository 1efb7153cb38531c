import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_email_upper_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="contact_email_upper_idx"),
        ),
    ]
