"""The policy's standard process (R3.1): contact > needs analysis > product recommendation >
presentation/quotation > order > won / lost, each with its entry criteria."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

STAGES = [
    # code, Chinese, English, order, probability, won, lost, entry gates, exit note (zh)
    ("contact", "初步接触", "First contact", 10, "10", False, False, [],
     "已与客户联系人建立联系，确认其有采购意向。"),
    ("needs_analysis", "需求分析", "Needs analysis", 20, "20", False, False, ["has_contact"],
     "已记录客户需求、痛点、预算和决策人。"),
    ("recommendation", "产品推荐", "Product recommendation", 30, "40", False, False,
     ["has_contact", "needs_recorded"], "已根据需求推荐合适的产品并获客户认可。"),
    ("presentation", "方案展示/报价", "Presentation / quotation", 40, "60", False, False,
     ["has_contact", "needs_recorded", "products_proposed"], "已按标准话术完成产品展示并提交报价。"),
    ("order", "订单处理", "Order", 50, "80", False, False,
     ["has_contact", "needs_recorded", "products_proposed", "amount_set", "close_date_set"],
     "客户确认订单，信息完整准确并已传递给相关部门。"),
    ("won", "赢单", "Won", 60, "100", True, False, ["amount_set"], ""),  # widened by 0003
    ("lost", "输单", "Lost", 70, "0", False, True, [], ""),
]


def forwards(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    if Stage.objects.exists():
        return
    now = timezone.now()
    for code, name, name_en, order, probability, won, lost, gates, note in STAGES:
        Stage.objects.create(
            code=code, name=name, name_en=name_en, sort_order=order, probability=Decimal(probability),
            is_won=won, is_lost=lost, entry_gates=gates, exit_note=note, created_at=now, updated_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
