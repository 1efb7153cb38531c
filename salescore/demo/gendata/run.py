"""One generation run: schema, reset, the parts in order, indexes, sequences, statistics, report."""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from salescore.accounts.models import User
from salescore.catalog.models import Category, Feature, Product
from salescore.core.bulk import triggers_paused
from salescore.core.models import RecordShare
from salescore.customers import search
from salescore.customers.models import POOL_ENTRY_TRIGGERS, Contact, Customer, PoolMove, Tag
from salescore.demo.company import DEMO_PASSWORD
from salescore.demo.gendata import catalog, customers, database, orders, org, planning, service
from salescore.demo.gendata.clock import Clock
from salescore.demo.gendata.context import Context, Plan
from salescore.demo.gendata.writer import Writer
from salescore.leads.models import Lead, LeadTouch
from salescore.orders import receivables
from salescore.orders.models import (
    Allocation,
    Credit,
    Instalment,
    Order,
    OrderLine,
    Payment,
    Receivable,
    Shipment,
    ShipmentLine,
)
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import counts
from salescore.pipeline.models import (
    OWNER_COPY_TRIGGERS,
    Activity,
    NeedsAnalysis,
    Opportunity,
    OpportunityProduct,
    Stage,
    StageChange,
    StageCount,
)
from salescore.planning import figures
from salescore.planning.models import DailyFigure, Target
from salescore.service.models import Ticket, TicketEntry

# Every table the generator writes, in the order the report lists them.
WRITTEN = [
    User,
    Person,
    Person.regions.through,
    OrgUnit,
    Category,
    Feature,
    Product,
    Product.features.through,
    Tag,
    Customer,
    Customer.tags.through,
    Contact,
    RecordShare,
    PoolMove,
    Lead,
    LeadTouch,
    Opportunity,
    Opportunity.contacts.through,
    StageChange,
    NeedsAnalysis,
    OpportunityProduct,
    Activity,
    Order,
    OrderLine,
    Instalment,
    Payment,
    Allocation,
    Shipment,
    ShipmentLine,
    Credit,
    Ticket,
    TicketEntry,
    Target,
]
STAGE_CODES = ("contact", "needs_analysis", "recommendation", "presentation", "order", "won", "lost")


class GenerationRefused(Exception):
    pass


@dataclass
class Result:
    plan: Plan
    seed: int
    database: str
    vendor: str
    tables: list[tuple[str, int, float]] = field(default_factory=list)  # name, rows, write seconds
    phases: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    made: dict = field(default_factory=dict)
    manifest_path: str = ""

    @property
    def rows(self) -> int:
        return sum(rows for _name, rows, _seconds in self.tables)

    def manifest(self) -> dict:
        return {
            "size": self.plan.size,
            "customers": self.plan.customers,
            "seed": self.seed,
            "database": self.database,
            "vendor": self.vendor,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 1),
            "rows": self.rows,
            "counts": {name: rows for name, rows, _seconds in self.tables},
            "phases": {name: round(seconds, 2) for name, seconds in self.phases},
            "logins": [username for username, _name, _role in self.logins],
            "password": DEMO_PASSWORD,
        }


def database_name(connection) -> str:
    """The name that identifies the database in the manifest's file name."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        name = Path(name).stem if "memory" not in name else "memory"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "default"


def manifest_path(connection) -> Path:
    return Path(settings.VAR_DIR) / f"gen-data-{database_name(connection)}.json"


def run(
    plan: Plan,
    *,
    seed: int = 2026,
    batch: int = 50_000,
    reset: bool = False,
    say=None,
    using=DEFAULT_DB_ALIAS,
) -> Result:
    say = say or (lambda message: None)
    connection = connections[using]
    started = time.perf_counter()
    result = Result(plan=plan, seed=seed, database=database_name(connection), vendor=connection.vendor)

    def phase(name, function, *args):
        begun = time.perf_counter()
        say(f"{name} ...")
        value = function(*args)
        result.phases.append((name, time.perf_counter() - begun))
        return value

    phase("migrate (when needed)", database.migrate_if_needed, connection)
    if database.has_business_data() and not reset:
        raise GenerationRefused(
            "The database already has customers or people. Run with --reset to replace them "
            "(this deletes all business data), or point DATABASE_URL at an empty database."
        )
    # The kept figures' triggers are off while rows are written in bulk (they would look up
    # payments per order with the indexes dropped); every figure, board count and receivable is rebuilt once
    # the load is analysed.
    # The activities' copy of their customer's owner is written with them, and a customer's last
    # pool entry with the customer. SQLite's index of the customers' names is rebuilt after the load.
    paused = triggers_paused(
        figures.TRIGGERS,
        counts.TRIGGERS,
        receivables.TRIGGERS,
        OWNER_COPY_TRIGGERS,
        POOL_ENTRY_TRIGGERS,
        search.TRIGGERS,
    )
    with database.tuned(connection) as unchecked, transaction.atomic(using=using), paused:
        if reset:
            phase("reset", database.reset, connection)
        stages = {
            s.code: (s.pk, str(s.probability))
            for s in Stage.objects.filter(active=True, deleted_at__isnull=True, code__in=STAGE_CODES)
        }
        missing = set(STAGE_CODES) - set(stages)
        if missing:
            raise GenerationRefused(f"The sales process lacks the stages {sorted(missing)}.")
        # PostgreSQL ingests a batch in its own process while Python makes the next; SQLite works
        # in this process, where a writer thread would only contend for the GIL.
        writer = Writer(connection, batch=batch, threaded=connection.vendor == "postgresql")
        ctx = Context(
            plan=plan,
            rng=random.Random(seed),
            clock=Clock(),
            writer=writer,
            ids=database.next_ids(connection, WRITTEN),
            seed=seed,
            stages=stages,
            password=make_password(DEMO_PASSWORD),
        )
        tables = [model._meta.db_table for model in WRITTEN]
        indexes = database.Indexes(connection, tables)
        phase("drop indexes", indexes.drop)

        def part(module, *args):
            made = module.build(ctx, *args)
            writer.flush()
            return made

        try:
            result.made["org"] = phase("organisation", part, org)
            result.made["catalog"] = phase("catalogue", part, catalog)
            progress = say if plan.customers >= 100_000 else None
            result.made["customers"] = phase(
                "customers, pipeline, activities, leads", part, customers, progress
            )
            result.made["orders"] = phase("orders, payments, shipments", part, orders, progress)
            result.made["tickets"] = phase("tickets", part, service)
            result.made["targets"] = phase("targets", part, planning)
        except BaseException:
            writer.close(abandon=True)  # before the rollback uses the connection
            raise
        writer.close()
        phase("rebuild indexes and keys", indexes.rebuild)
        if connection.vendor == "sqlite":
            phase("name search index", search.rebuild, connection)
        if unchecked:
            phase("check foreign keys", database.check_foreign_keys, connection, tables)
        database.reset_sequences(connection, WRITTEN)
        result.logins = ctx.org.logins
    if connection.vendor == "postgresql":
        phase("vacuum and analyze", database.analyze, connection, tables)
    result.made["daily figures"] = phase("daily figures", figures.rebuild)
    result.made["board counts"] = phase("board counts", counts.rebuild)
    result.made["receivables"] = phase("receivables", receivables.rebuild)
    if connection.vendor == "postgresql":
        kept = [DailyFigure._meta.db_table, StageCount._meta.db_table, Receivable._meta.db_table]
        database.analyze(connection, kept)
    result.tables = [
        (t.name, t.rows, t.seconds)
        for t in sorted(writer.tables.values(), key=lambda t: tables.index(t.name))
    ]
    result.seconds = time.perf_counter() - started
    return result


def write_manifest(result: Result, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.manifest(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result.manifest_path = str(path)
