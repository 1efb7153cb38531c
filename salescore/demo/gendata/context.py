"""What the parts of a run share: the plan (how many of each), the clock, the random source, the
writer, the next free ids, and compact facts about the rows already generated (people, products,
customers) that later parts need. Nothing here holds generated rows themselves."""

from __future__ import annotations

import random
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from salescore.demo.gendata.clock import Clock
from salescore.demo.gendata.common import Dice
from salescore.demo.gendata.writer import Writer

SIZES = {"S": 2_000, "M": 100_000, "L": 1_000_000}


@dataclass(frozen=True)
class Plan:
    """How much to generate. Everything scales with the number of customers."""

    customers: int
    size: str = "custom"
    contacts_per_customer: float = 1.5
    opportunities_per_customer: float = 3.0
    activities_per_customer: float = 10.0
    orders_per_customer: float = 2.0
    leads_per_customer: float = 0.10
    tickets_per_customer: float = 0.03
    pool_share: float = 0.04  # customers in the public pool (公海)
    reps: int = 200
    teams: int = 20

    @classmethod
    def for_size(cls, size: str) -> Plan:
        return cls(customers=SIZES[size], size=size)

    @property
    def orders(self) -> int:
        return round(self.customers * self.orders_per_customer)

    @property
    def leads(self) -> int:
        return round(self.customers * self.leads_per_customer)

    @property
    def tickets(self) -> int:
        return max(round(self.customers * self.tickets_per_customer), 1)


@dataclass
class Staff:
    id: int
    user_id: int
    name: str
    position: str
    unit_id: int
    team: int = -1  # index into Org.teams for sales people


@dataclass
class Team:
    index: int
    unit_id: int
    section_id: int
    name: str
    region_codes: tuple[str, ...]
    weight: float
    lead: Staff | None = None
    reps: list[Staff] = field(default_factory=list)
    rep_weights: list[float] = field(default_factory=list)  # cumulative


@dataclass
class Org:
    company_id: int = 0
    department_id: int = 0
    director: Staff | None = None
    admin: Staff | None = None
    sections: list[int] = field(default_factory=list)  # sales sections' unit ids
    heads: dict[int, Staff] = field(default_factory=dict)  # section unit id -> head
    teams: list[Team] = field(default_factory=list)
    team_weights: list[float] = field(default_factory=list)  # cumulative
    agents: list[Staff] = field(default_factory=list)
    clerks: list[Staff] = field(default_factory=list)
    warehouse: Staff | None = None
    finance: Staff | None = None
    people: dict[int, Staff] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, role

    @property
    def reps(self) -> list[Staff]:
        return [rep for team in self.teams for rep in team.reps]


@dataclass(frozen=True)
class Product:
    id: int
    category_id: int
    list_fen: int
    floor_fen: int
    unit: str
    name: str  # the product family (立式加工中心), as people name a project after it
    weight: float  # how often it sells


@dataclass
class Catalog:
    products: list[Product] = field(default_factory=list)
    by_price: list[Product] = field(default_factory=list)  # cheapest first
    cumulative: list[float] = field(default_factory=list)  # popularity, in by_price order


class Book:
    """Compact facts about every customer, by position (customer id = first_id + position)."""

    def __init__(self) -> None:
        self.first_id = 0
        self.count = 0
        self.owner = array("l")  # person id, 0 in the public pool
        self.keeper = array("l")  # the rep who works the account (the last owner for pool customers)
        self.created = array("q")  # created_at, epoch seconds
        self.pooled = array("q")  # when it went to the public pool (0: it did not); no orders after
        self.weight = array("d")  # cumulative buying weight (Pareto), for picking order customers
        self.tier = bytearray()
        self.contact = array("l")  # primary contact id
        self.region = array("l")  # region id
        self.address: list[str] = []
        self.last_order = array("l")  # the latest delivered order (tickets refer to it)
        self.last_order_day = array("l")
        self.last_product = array("l")


class Tally:
    """What people achieved, by person, metric and year (targets are set from last year's)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, metric: str, year: int, person_id: int, amount: float) -> None:
        self.values[(metric, year)][person_id] += amount

    def of(self, metric: str, year: int) -> dict[int, float]:
        return self.values.get((metric, year), {})


@dataclass
class Context:
    plan: Plan
    rng: random.Random
    clock: Clock
    writer: Writer
    ids: dict
    seed: int
    org: Org = field(default_factory=Org)
    catalog: Catalog = field(default_factory=Catalog)
    book: Book = field(default_factory=Book)
    tally: Tally = field(default_factory=Tally)
    stages: dict = field(default_factory=dict)  # code -> (id, probability text)
    password: str = ""
    dice: Dice | None = None

    def __post_init__(self) -> None:
        self.dice = Dice(self.rng)

    def take(self, model, count: int = 1) -> int:
        """Reserve ``count`` ids of ``model``; returns the first."""
        first = self.ids[model]
        self.ids[model] = first + count
        return first
