"""A starting discount-authority matrix and notification routing (R3.9, R3.6). Both are data the
company changes on the configuration pages."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

AUTHORITY = [("rep", "5"), ("team_lead", "10"), ("section_head", "15"), ("director", "25")]
ROUTES = [
    # event, position, purpose
    ("submitted", "support_clerk", "审核并确认订单"),
    ("confirmed", "warehouse", "备货发货"),
    ("shipped", "finance", "开具发票"),
    ("delivered", "support_clerk", "安排回访、跟进回款"),
    ("cancelled", "support_clerk", "撤销订单处理"),
    ("cancelled", "warehouse", "停止备货"),
    ("late", "support_clerk", "跟进延迟交付"),
    ("payment", "finance", "核对到账"),
]


def forwards(apps, schema_editor):
    DiscountRule = apps.get_model("orders", "DiscountRule")
    Route = apps.get_model("orders", "Route")
    now = timezone.now()
    if not DiscountRule.objects.exists():
        for position, ceiling in AUTHORITY:
            DiscountRule.objects.create(
                position=position, max_discount=Decimal(ceiling), created_at=now, updated_at=now
            )
    if not Route.objects.exists():
        for event, position, purpose in ROUTES:
            Route.objects.create(
                event=event, position=position, purpose=purpose, created_at=now, updated_at=now
            )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
