"""The catalogue: about 300 products of an industrial-equipment maker in ten categories, each a
product family in several models, priced from a few thousand yuan (drives, panels) to millions
(production lines). The price floor is 85% of list, so the small discounts the generated orders
carry never need an approval (orders.authority)."""

from __future__ import annotations

import json
from bisect import bisect_right

from salescore.catalog.models import Category, Feature, Product
from salescore.demo.gendata.common import AUDIT, money
from salescore.demo.gendata.context import Context
from salescore.demo.gendata.context import Product as Item
from salescore.demo.pipeline_data import FEATURES

# code, Chinese, English, families: (code, Chinese, English, list price of the base model, unit,
# features, industries it suits ([] = any))
CATEGORIES = [
    ("cnc", "数控机床", "CNC machine tools", [
        ("VMC", "立式加工中心", "Vertical machining centre", 320_000, "台",
         ("high-precision", "fast-delivery"), ("manufacturing", "automotive", "electronics")),
        ("HMC", "卧式加工中心", "Horizontal machining centre", 680_000, "台",
         ("high-precision", "flexible"), ("manufacturing", "automotive", "energy")),
        ("5AX", "五轴联动加工中心", "5-axis machining centre", 1_280_000, "台",
         ("high-precision", "high-mix", "data-capture"), ("manufacturing", "automotive", "energy")),
        ("GMC", "龙门加工中心", "Gantry machining centre", 2_050_000, "台",
         ("heavy-payload", "high-precision"), ("manufacturing", "energy", "construction")),
        ("CK", "数控车床", "CNC lathe", 160_000, "台",
         ("fast-delivery", "low-maintenance"), ("manufacturing", "automotive")),
        ("TMC", "车铣复合中心", "Turn-mill centre", 880_000, "台",
         ("high-mix", "high-precision"), ("manufacturing", "automotive", "pharma")),
    ]),
    ("robots", "工业机器人", "Industrial robots", [
        ("R6", "六轴工业机器人", "6-axis industrial robot", 220_000, "台",
         ("flexible", "low-maintenance"), ()),
        ("R6H", "重载六轴机器人", "Heavy-duty 6-axis robot", 480_000, "台",
         ("heavy-payload", "flexible"), ("automotive", "logistics", "construction")),
        ("SC", "SCARA机器人", "SCARA robot", 95_000, "台",
         ("high-precision", "cleanroom"), ("electronics", "pharma", "food")),
        ("COBOT", "协作机器人", "Collaborative robot", 150_000, "台",
         ("flexible", "high-mix"), ()),
        ("PAL", "码垛机器人", "Palletising robot", 360_000, "台",
         ("heavy-payload",), ("logistics", "food", "retail")),
    ]),
    ("lines", "自动化产线", "Automated production lines", [
        ("AL-WELD", "焊装自动化产线", "Welding line", 6_200_000, "条",
         ("flexible", "data-capture"), ("automotive",)),
        ("AL-ASM", "装配自动化产线", "Assembly line", 3_500_000, "条",
         ("vision", "flexible"), ("electronics", "automotive")),
        ("AL-MCH", "机加工自动线", "Machining line", 4_200_000, "条",
         ("high-precision", "data-capture"), ("manufacturing", "automotive")),
        ("AL-PKG", "智能包装线", "Packaging line", 1_800_000, "条",
         ("fast-delivery", "flexible"), ("food", "pharma", "retail")),
    ]),
    ("inspection", "检测设备", "Inspection equipment", [
        ("VI", "机器视觉检测系统", "Machine vision inspection system", 400_000, "套",
         ("vision", "data-capture"), ()),
        ("CMM", "三坐标测量机", "Coordinate measuring machine", 750_000, "台",
         ("high-precision",), ("manufacturing", "automotive", "energy")),
        ("LM", "激光测量仪", "Laser measuring instrument", 180_000, "台",
         ("high-precision", "fast-delivery"), ()),
        ("XR", "X射线检测设备", "X-ray inspection system", 620_000, "台",
         ("vision", "cleanroom"), ("electronics", "food", "pharma")),
    ]),
    ("laser", "激光设备", "Laser equipment", [
        ("LC", "光纤激光切割机", "Fibre laser cutter", 450_000, "台",
         ("high-precision", "energy-saving"), ("manufacturing", "construction")),
        ("LW", "激光焊接机", "Laser welder", 260_000, "台",
         ("high-precision",), ("automotive", "electronics", "energy")),
        ("LMK", "激光打标机", "Laser marker", 45_000, "台",
         ("fast-delivery", "low-maintenance"), ()),
    ]),
    ("injection", "注塑设备", "Injection moulding", [
        ("IM", "伺服节能注塑机", "Servo injection moulding machine", 380_000, "台",
         ("energy-saving",), ("manufacturing", "automotive", "electronics", "retail")),
        ("EIM", "全电动注塑机", "All-electric injection moulding machine", 720_000, "台",
         ("energy-saving", "cleanroom"), ("electronics", "pharma")),
        ("IMR", "注塑取件机械手", "Sprue picker", 38_000, "台",
         ("fast-delivery",), ()),
    ]),
    ("intralogistics", "仓储物流设备", "Intralogistics", [
        ("AGV", "AGV智能物流系统", "AGV system", 1_400_000, "套",
         ("flexible", "remote-ops"), ("logistics", "manufacturing", "retail")),
        ("STK", "立体库堆垛机", "Stacker crane", 850_000, "台",
         ("heavy-payload", "data-capture"), ("logistics", "food", "retail")),
        ("CV", "智能输送线", "Conveyor line", 320_000, "套",
         ("flexible",), ()),
        ("RK", "智能货架", "Smart shelving", 120_000, "套",
         ("data-capture",), ("logistics", "retail")),
    ]),
    ("software", "工业软件", "Industrial software", [
        ("MES", "MES制造执行系统", "Manufacturing execution system", 600_000, "套",
         ("data-capture", "remote-ops"), ()),
        ("IOT", "设备联网与数据采集系统", "Machine connectivity", 280_000, "套",
         ("data-capture", "remote-ops"), ()),
        ("SIM", "产线仿真软件", "Line simulation software", 150_000, "套",
         ("data-capture",), ("manufacturing", "automotive", "electronics")),
    ]),
    ("electrical", "电气与控制", "Electrical and controls", [
        ("PLC", "PLC控制柜", "PLC cabinet", 60_000, "台",
         ("low-maintenance",), ()),
        ("SV", "伺服驱动系统", "Servo drive", 28_000, "套",
         ("energy-saving", "high-precision"), ()),
        ("VF", "变频器", "Frequency inverter", 12_000, "台",
         ("energy-saving",), ()),
        ("HMI", "工业触摸屏", "Industrial HMI panel", 6_500, "台",
         ("fast-delivery",), ()),
    ]),
    ("service", "服务与备件", "Service and spare parts", [
        ("SVC-RM", "远程运维服务", "Remote maintenance service", 48_000, "年",
         ("remote-ops", "local-service"), ()),
        ("SVC-AM", "年度维保服务", "Annual maintenance contract", 90_000, "年",
         ("local-service", "low-maintenance"), ()),
        ("SP", "关键备件包", "Critical spare parts kit", 36_000, "套",
         ("local-service", "fast-delivery"), ()),
        ("TR", "操作与编程培训", "Operator and programming training", 20_000, "次",
         ("local-service",), ()),
        ("INS", "安装调试服务", "Installation and commissioning", 30_000, "次",
         ("local-service",), ()),
    ]),
]  # fmt: skip
# The models of a family: suffix and price factor against the base model.
VARIANTS = [
    ("S", 0.72),
    ("", 1.0),
    ("P", 1.18),
    ("L", 1.42),
    ("X", 1.75),
    ("H", 2.1),
    ("E", 0.86),
    ("Pro", 1.3),
]


def build(ctx: Context) -> dict[str, int]:
    w, rng, clock = ctx.writer, ctx.rng, ctx.clock
    created = clock.ts(clock.now - 1200 * 86400)
    actor = ctx.org.admin.user_id
    categories = w.table(Category, ["id", "name", "name_en", "code", "sort_order", *AUDIT])
    features = w.table(Feature, ["id", "code", "name", "name_en"])
    products = w.table(
        Product,
        [
            "id",
            "name",
            "name_en",
            "code",
            "category_id",
            "description",
            "industries",
            "sizes",
            "list_price",
            "price_floor",
            "currency",
            "unit",
            "active",
            *AUDIT,
        ],
    )
    links = w.table(Product.features.through, ["id", "product_id", "feature_id"])
    feature_ids = {}
    for code, name, name_en in FEATURES:
        feature_ids[code] = ctx.take(Feature)
        features.add((feature_ids[code], code, name, name_en))
    items = []
    codes: set[str] = set()
    for order, (code, name, name_en, families) in enumerate(CATEGORIES, start=1):
        category_id = ctx.take(Category)
        categories.add((category_id, name, name_en, code, order * 10, created, actor, created, actor, 1))
        for family_code, family, family_en, base, unit, feats, industries in families:
            for suffix, factor in rng.sample(VARIANTS, rng.randint(6, 8)):
                model = f"{rng.choice([1, 2, 3, 5, 6, 8])}{rng.randint(0, 9)}{rng.choice([0, 0, 5])}"
                product_code = f"XH-{family_code}-{model}{suffix}"
                if product_code in codes:
                    continue
                codes.add(product_code)
                price = base * factor * rng.uniform(0.95, 1.05)
                step = 1000 if price >= 100_000 else 100
                list_fen = int(round(price / step) * step) * 100
                floor_fen = int(list_fen * 0.85) // 10000 * 10000
                active = rng.random() > 0.05
                pk = ctx.take(Product)
                products.add(
                    (
                        pk,
                        f"{family} {product_code}",
                        f"{family_en} {product_code}",
                        product_code,
                        category_id,
                        f"{family}，型号{model}{suffix}。",
                        json.dumps(list(industries)),
                        "[]",
                        money(list_fen),
                        money(floor_fen),
                        "CNY",
                        unit,
                        active,
                        created,
                        actor,
                        created,
                        actor,
                        1,
                    )
                )
                for feature in feats:
                    links.add((ctx.take(Product.features.through), pk, feature_ids[feature]))
                if active:
                    # Cheap things sell more often than production lines.
                    weight = (list_fen / 100) ** -1.3 * rng.uniform(0.5, 1.5)
                    items.append(Item(pk, category_id, list_fen, floor_fen, unit, family, weight))
    catalog = ctx.catalog
    catalog.products = items
    catalog.by_price = sorted(items, key=lambda p: p.list_fen)
    total = 0.0
    for item in catalog.by_price:
        total += item.weight
        catalog.cumulative.append(total)
    return {"products": len(items)}


def choose_product(ctx: Context, tier: str):
    """A product as customers buy them: popular (cheap) ones most, key accounts the bigger items
    (the dearest of two or three picks)."""
    rnd, catalog = ctx.dice.random, ctx.catalog
    cumulative, items = catalog.cumulative, catalog.by_price
    top = len(items) - 1
    total = cumulative[-1]
    best = items[min(bisect_right(cumulative, rnd() * total), top)]
    for _ in range({"A": 2, "B": 1}.get(tier, 0)):
        other = items[min(bisect_right(cumulative, rnd() * total), top)]
        if other.list_fen > best.list_fen:
            best = other
    return best


def quantity(dice, product, tier: str) -> int:
    """Units on a line: one production line, a machine or two, a handful of drives; key accounts
    buy more of the smaller items."""
    yuan = product.list_fen // 100
    if yuan >= 1_000_000:
        return 1
    if yuan >= 200_000:
        base = dice.choice((1, 1, 1, 1, 2, 2, 3))
    elif yuan >= 50_000:
        base = dice.choice((1, 1, 1, 2, 2, 3, 4))
    else:
        base = dice.choice((1, 1, 2, 2, 3, 4, 5, 6, 8, 10))
    if tier == "A":
        base *= dice.choice((1, 1, 2, 3))
    return base
