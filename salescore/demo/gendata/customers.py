"""The customer book: companies (and a few individuals) across the sales teams' territories, with
contacts, tags, collaborators and the public pool, generated one customer at a time together
with its sales history (pipeline) and, for customers that came in as leads, the converted lead.

A customer's weight (Pareto, alpha 1.35) makes a few big accounts and many small ones: it sets
the tier (about 5% A, 20% B), the company size, how much history it has and, later, how often it
orders. name_key and phone_key are computed with customers.identity, as the services do.
Owned customers were followed up within their tier's pool window (so the nightly sweep does not
empty the book at once); customers in the pool were not, and have the pool move that put them
there.
"""

from __future__ import annotations

import math
import random

from django.contrib.contenttypes.models import ContentType

from salescore.core.models import RecordShare
from salescore.customers.identity import name_key, normalize_phone
from salescore.customers.models import Contact, Customer, PoolMove, PoolPolicy, Tag
from salescore.demo.gendata import names
from salescore.demo.gendata.common import AUDIT, pick
from salescore.demo.gendata.context import Context
from salescore.demo.gendata.leads import Leads
from salescore.demo.gendata.pipeline import Pipeline
from salescore.org.models import Region

DAY = 86400
HISTORY_YEARS = 6
GROWTH = 0.3  # a year: more customers were won recently than long ago
TAGS = (
    "重点跟进",
    "老客户",
    "展会获客",
    "价格敏感",
    "有扩产计划",
    "国企",
    "外资",
    "上市公司",
    "专精特新",
    "高新技术企业",
    "战略客户",
    "需要技术支持",
)
SOURCES = [
    ("phone", 15),
    ("email", 8),
    ("online", 22),
    ("offline_event", 18),
    ("referral", 17),
    ("campaign", 10),
    ("visit", 5),
    ("other", 5),
]
LEAD_SOURCES = frozenset({"phone", "email", "online", "offline_event", "campaign"})
SIZES = {
    "A": [("large", 50), ("enterprise", 50)],
    "B": [("medium", 50), ("large", 40), ("enterprise", 10)],
    "C": [("micro", 20), ("small", 50), ("medium", 30)],
}
ALPHA = 1.35  # top 20% of customers buy about two thirds, the top 1% about a third


def _created(rng: random.Random, now: int, tier: str) -> int:
    """When the customer was entered: over six years, growing; key accounts tend to be older."""
    u = rng.random()
    if tier == "A":
        u **= 1.8
    span = HISTORY_YEARS * 365 * DAY
    years = math.log(1 + u * (math.exp(GROWTH * HISTORY_YEARS) - 1)) / GROWTH
    return min(now - span + int(years * 365 * DAY), now - 3600)


def _age_factor(age_days: float) -> float:
    """Young customers have had less time for opportunities and activities."""
    return min(1.0, (age_days + 30) / 400)


def build(ctx: Context, stdout=None) -> dict[str, int]:
    rng, clock, plan, w = ctx.rng, ctx.clock, ctx.plan, ctx.writer
    dice = ctx.dice
    rnd = dice.random
    org, book = ctx.org, ctx.book
    now = clock.now
    customers = w.table(
        Customer,
        [
            "id",
            "kind",
            "name",
            "name_key",
            "credit_code",
            "industry",
            "size",
            "tier",
            "region_id",
            "address",
            "source",
            "owner_id",
            "phone",
            "phone_key",
            "email",
            "website",
            "notes",
            "last_contact_at",
            "pool_entered_at",
            "pool_reason",
            *AUDIT,
        ],
    )
    contacts = w.table(
        Contact,
        [
            "id",
            "customer_id",
            "name",
            "title",
            "mobile",
            "mobile_key",
            "phone",
            "email",
            "wechat",
            "role",
            "is_primary",
            "notes",
            *AUDIT,
        ],
    )
    tags = w.table(Tag, ["id", "name"])
    customer_tags = w.table(Customer.tags.through, ["id", "customer_id", "tag_id"])
    shares = w.table(
        RecordShare, ["id", "content_type_id", "object_id", "person_id", "granted_by_id", "granted_at"]
    )
    moves = w.table(
        PoolMove,
        ["id", "customer_id", "direction", "reason", "previous_owner_id", "new_owner_id", "at", "note"],
    )
    pipeline = Pipeline(ctx)
    leads = Leads(ctx)
    policy = PoolPolicy.current()
    window = {"A": policy.days_a, "B": policy.days_b, "C": policy.days_c}
    customer_type = ContentType.objects.get_for_model(Customer).pk
    tag_ids = []
    for tag in TAGS:
        tag_ids.append(ctx.take(Tag))
        tags.add((tag_ids[-1], tag))
    region_ids = dict(Region.all_objects.filter(deleted_at__isnull=True).values_list("code", "id"))
    places = {}
    for team in org.teams:
        for code in team.region_codes:
            places[code] = names.places_for(code)
    draw_industry = dice.weighted(list(names.INDUSTRY_WEIGHTS.items()))
    draw_source = dice.weighted(SOURCES)
    draw_title = dice.weighted([(t, t[2]) for t in names.CONTACT_TITLES])
    sizes = {tier: dice.weighted(options) for tier, options in SIZES.items()}
    cap = max(20.0, 0.01 * plan.customers * ALPHA / (ALPHA - 1))  # no customer takes over ~1% of orders
    tier_a = 0.05 ** (-1 / ALPHA)
    tier_b = 0.25 ** (-1 / ALPHA)
    # Normalise the age factor so the plan's totals hold whatever the age mix.
    probe = random.Random(ctx.seed + 1)
    mean_age = (
        sum(
            _age_factor((now - _created(probe, now, probe.choice("ABCCCCCCCCCCCCC"))) / DAY)
            for _ in range(4000)
        )
        / 4000
    )
    lead_share = min(1.0, plan.leads_per_customer * 0.35 / 0.73)
    used_keys: set[str] = set()
    book.first_id = ctx.ids[Customer]
    cumulative_weight = 0.0
    contact_serial = 0
    made = {"pool": 0, "individuals": 0}
    for index in range(plan.customers):
        cid = ctx.take(Customer)
        team = org.teams[pick(rng, org.team_weights)]
        keeper = team.reps[pick(rng, team.rep_weights)]
        code = dice.choice(team.region_codes)
        place = dice.choice(places[code])
        weight = min(rng.paretovariate(ALPHA), cap)
        tier = "A" if weight >= tier_a else "B" if weight >= tier_b else "C"
        created = _created(rng, now, tier)
        stamp = clock.ts(created)
        individual = tier == "C" and rnd() < 0.03
        industry = draw_industry()
        if individual:
            person = names.person_name(dice)
            name, short, domain = person.name, person.name, f"{person.surname_en.lower()}{index}.cn"
            industry, size = "", "micro"
            made["individuals"] += 1
        else:
            size = sizes[tier]()
            for attempt in range(30):
                company = names.company_name(dice, place, industry, index)
                name = company.name if attempt < 25 else f"{company.name[:-4]}第{index}分公司"
                key = name_key(name)
                if key not in used_keys:
                    used_keys.add(key)
                    break
            short, domain = company.core, company.domain
        source = draw_source()
        address = names.address(dice, place)
        phone = names.landline(index, place.area, salt=ctx.seed) if rnd() < 0.85 else ""
        credit = "" if individual or rnd() < 0.08 else names.credit_code(index, code, salt=ctx.seed)
        # The public pool: customers nobody followed up within the policy's window.
        age = now - created
        pool = rnd() < plan.pool_share and age > (window[tier] + 3) * DAY
        if pool:
            pooled_at = now - dice.randint(1, max(1, min(400, age // DAY - window[tier] - 2))) * DAY
            latest = pooled_at - window[tier] * DAY - dice.randint(0, 20) * DAY
            keep_warm = 0
        else:
            pooled_at, latest, keep_warm = None, now, window[tier] * DAY
        # Contacts, the first one primary.
        people = []
        count = {"A": dice.randint(2, 5), "B": dice.randint(1, 3)}.get(tier, dice.choice((1, 1, 1, 2, 2)))
        for number in range(count):
            contact_serial += 1
            person = names.person_name(dice)
            title, role, _w = draw_title()
            mobile = names.mobile(names.MOBILE_CONTACTS + contact_serial, salt=ctx.seed, styled=rnd() < 0.1)
            contact_id = ctx.take(Contact)
            at = clock.ts(min(created + number * dice.randint(0, 90) * DAY + 600, now))
            contacts.add(
                (
                    contact_id,
                    cid,
                    person.name,
                    title,
                    mobile,
                    normalize_phone(mobile),
                    f"{phone}转{dice.randint(800, 8999)}" if phone and rnd() < 0.3 else "",
                    f"{person.surname_en.lower()}.{person.given_en}@{domain}" if rnd() < 0.7 else "",
                    f"wx_{person.given_en}{dice.randint(1000, 99999)}" if rnd() < 0.6 else "",
                    role,
                    number == 0,
                    "",
                    at,
                    keeper.user_id,
                    at,
                    keeper.user_id,
                    1,
                )
            )
            people.append((contact_id, person.name, title, mobile))
        lead_born = source in LEAD_SOURCES and rnd() < lead_share
        last, first_opp = pipeline.customer(
            cid=cid,
            created=created,
            tier=tier,
            keeper=keeper,
            holder=None if pool else keeper.id,
            contacts=[(c[0], c[1], c[2]) for c in people],
            place=place,
            address=address,
            latest=latest,
            keep_warm=keep_warm,
            lead_born=lead_born,
            source=source,
            short=short,
            industry=industry,
            age_factor=_age_factor(age / DAY) / mean_age,
        )
        if lead_born:
            leads.converted(
                customer_id=cid,
                created=created,
                keeper=keeper,
                contact=people[0],
                company=name,
                region_id=region_ids.get(code),
                industry=industry,
                channel=source,
                opportunity_id=first_opp,
            )
        # Edited now and then; a pool customer last when the sweep took it from its owner.
        updated = pooled_at or created + int((now - created) * rnd() ** 3)
        customers.add(
            (
                cid,
                "individual" if individual else "company",
                name,
                name_key(name),
                credit,
                industry,
                size,
                tier,
                region_ids.get(code),
                address,
                source,
                None if pool else keeper.id,
                phone,
                normalize_phone(phone),
                f"info@{domain}" if rnd() < 0.7 else "",
                f"www.{domain}" if rnd() < 0.5 else "",
                "",
                clock.ts(last),
                clock.ts(pooled_at) if pool else None,
                "no_follow_up" if pool else None,
                stamp,
                keeper.user_id,
                clock.ts(updated),
                None if pool else keeper.user_id,  # the nightly sweep has no actor
                2 if pool else 1,
            )
        )
        if rnd() < 0.25:
            for tag_id in rng.sample(tag_ids, dice.choice((1, 1, 2))):
                customer_tags.add((ctx.take(Customer.tags.through), cid, tag_id))
        if tier == "A" and not pool and len(team.reps) > 1 and rnd() < 0.4:
            mate = dice.choice([r for r in team.reps if r.id != keeper.id])
            shares.add((ctx.take(RecordShare), customer_type, cid, mate.id, keeper.user_id, stamp))
        if pool:
            made["pool"] += 1
            moves.add(
                (
                    ctx.take(PoolMove),
                    cid,
                    "in",
                    "no_follow_up",
                    keeper.id,
                    None,
                    clock.ts(pooled_at),
                    f"{window[tier]}天未跟进，自动回到公海。",
                )
            )
        else:
            ctx.tally.add("new_customers", clock.year_of(clock.local_day(created)), keeper.id, 1)
        cumulative_weight += weight
        book.owner.append(0 if pool else keeper.id)
        book.keeper.append(keeper.id)
        book.created.append(created)
        book.pooled.append(pooled_at or 0)
        book.weight.append(cumulative_weight)
        book.tier.append(ord(tier))
        book.contact.append(people[0][0])
        book.region.append(region_ids.get(code) or 0)
        book.address.append(address)
        book.last_order.append(0)
        book.last_order_day.append(0)
        book.last_product.append(0)
        if index % 64 == 63:
            w.flush_full()
        if stdout is not None and (index + 1) % 100_000 == 0:
            stdout(f"  customers: {index + 1:,} / {plan.customers:,}")
    book.count = plan.customers
    leads.open_leads()
    return made
