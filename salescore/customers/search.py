# ruff: noqa: S608, S611 - the SQL names only this module's table; the searched text is a parameter
"""Finding customers by part of their name, or by the start of its key, along an index on both
databases (decision 0022).

PostgreSQL answers ``name ILIKE '%q%'`` from its trigram index (migration 0006) and a prefix of
``name_key`` from its pattern index. SQLite has neither: a search there read every customer, and
the list walked the whole updated-at index to fill a page with the few that matched (200-340 ms a
search at 100,000 customers). On SQLite a search therefore reads:

- a part of the name (three characters or more) from ``customers_customer_name_search``, an FTS5
  table with the trigram tokenizer over the customers' names (kept by triggers, migration 0012),
  unless the part is in so many names that walking the list's own order finds a page sooner
  (``PROBE``);
- a prefix of the name key as a range of the key's index (SQLite's LIKE ignores a case-sensitive
  index);
- an e-mail address as ``UPPER(email) = ...``, which the index on UPPER(email) answers (SQLite's
  ``iexact`` is a LIKE).

On PostgreSQL a part of two characters, which no trigram holds, is read from a bigram index
(``core.bigram``, migration 0013): a customer's short name or a person's name is often just two.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import NamedTuple

from django.db import connections
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.db.models.lookups import Exact

from salescore.core.bigram import HasBigram, answers
from salescore.core.pagination import column_by_parts, owned_by_one, read_serially, scoped
from salescore.core.permissions import AnyOf
from salescore.customers.models import Customer

TABLE = "customers_customer_name_search"
# The triggers that keep it; a bulk load pauses them (core.bulk.triggers_paused) and calls
# ``rebuild`` after.
TRIGGERS = "customer_name_search_"
# FTS5's trigram index finds a part of three characters or more; shorter ones match by scanning.
MIN_CHARS = 3
# A part found in this many names or more is read by walking the list's order instead: the page
# fills within its first rows, where collecting every match first would read thousands.
PROBE = 1000
# A search whose customers are fewer than PROBE reads the ids of the list's own records that match,
# fewer than RECORDS (more are left to the list's order, whose page fills at once).
RECORDS = 5 * PROBE
# A part found in fewer names than this (``_reach``'s estimate) but in ``PROBE`` or more is tested
# against the ids of its customers, which PostgreSQL reads once into a hash, as the list walks its
# order; in more, through the join to each record's customer. The hash costs a few microseconds a
# customer to build, the join ten a record walked past: they cross at about 5,000 of a million.
WIDE = 5 * PROBE
# Greater than any character a key holds: key <= k < key + TOP is "k starts with key".
TOP = "\U0010ffff"


class Found(NamedTuple):
    """A search's condition on a list, and what the list's count may read in its place
    (``core.pagination.searched``): ``sample``, some of its rows by an index; ``sides``, conditions
    whose OR it is, each answered by an index; ``few``: the condition is the ids of the matches,
    fewer than ``RECORDS``, which the count reads by their keys. The fields are ``searched``'s
    parameters in their order: the lists pass ``searched(rows, *found)``."""

    condition: Q
    sample: Q | None = None
    sides: tuple[Q, ...] = ()
    few: bool = False


def _connection():
    return connections[Customer.objects.db]


def _pattern(part: str) -> str | None:
    """The LIKE pattern FTS5 answers from its index, or None when it cannot."""
    if len(part) < MIN_CHARS or any(ch in part for ch in "%_\\"):
        return None
    return f"%{part}%"


def name_contains(part: str) -> Found:
    """Customers whose name contains ``part``, case-insensitively (Django's ``icontains``); with,
    for a part of two characters in ``PROBE`` names or more on PostgreSQL, the same customers by
    the bigram index as the sample for the list's count to read (``core.pagination.searched``).
    The list walks its order testing each name, which meets one at once; its count went on
    testing names until it had 1,000 (42 ms for "乳业" at size L), where the index gives them in
    5."""
    connection = _connection()
    if connection.vendor == "postgresql" and answers(part):
        by_pairs = _containing(("name",), part)
        ids = _few(Customer._base_manager.filter(by_pairs))
        return Found(Q(name__icontains=part), by_pairs) if ids is None else Found(_among(ids))
    pattern = _pattern(part) if connection.vendor == "sqlite" else None
    if pattern is None:
        return Found(Q(name__icontains=part))
    with connection.cursor() as cursor:
        probe = f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} WHERE name LIKE %s LIMIT %s)"
        cursor.execute(probe, [pattern, PROBE])
        (found,) = cursor.fetchone()
    if found >= PROBE:
        return Found(Q(name__icontains=part))
    # FTS5 checks the LIKE against the name itself; the index only narrows the rows it checks.
    return Found(Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE name LIKE %s", [pattern])))


def _few(rows, limit: int | None = None) -> list[int] | None:
    """The ids of ``rows`` when there are fewer than ``limit`` (``PROBE``), else None."""
    limit = limit or PROBE
    # any ``limit`` of them: no sort
    ids = [pk for (pk,) in _serially(rows.order_by().values_list("pk")[:limit])]
    return ids if len(ids) < limit else None


def _serially(rows) -> list[tuple]:
    """The rows of ``rows`` (a ``values_list`` of plain columns, as the database gives them), read
    without parallel workers (``core.pagination.read_serially``)."""
    sql, params = rows.query.sql_with_params()
    return read_serially(sql, params, db=rows.db)


def _reach(rows, limit: int) -> tuple[list[int], int]:
    """(ids, how many): the ids of any ``limit`` of ``rows`` (PostgreSQL), and how many rows there
    are: exactly when fewer than ``limit``, else estimated from how far into the table the ones
    read lie. A bitmap or sequential scan reads the table's pages in order, and a part of a name
    is spread over them evenly: if the first 1,000 matches lie within a tenth of the pages, about
    10,000 match. At size L: 2,522 estimated for 2,528 names, 11,336 for 11,952, 27,628 for
    27,293, 86,240 for 109,094 (the exact counts take 10-200 ms)."""
    table = connections[rows.db].ops.quote_name(rows.model._meta.db_table)
    found = (
        rows.order_by()
        .annotate(
            heap_page=RawSQL(f"({table}.ctid::text::point)[0]", ()),
            heap_pages=RawSQL("(SELECT pg_relation_size(%s) / current_setting('block_size')::int)", [table]),
        )
        .values_list("pk", "heap_page", "heap_pages")[:limit]
    )
    found = _serially(found)
    ids = [pk for pk, _page, _pages in found]
    if len(ids) < limit:
        return ids, len(ids)
    pages = sorted({page for _pk, page, _pages in found})
    return ids, int(len(ids) * _whole_over_read(pages, found[0][2]))


def _whole_over_read(pages: list[int], total: int) -> float:
    """How many times the span of the table's pages a scan read (``pages``, sorted) the whole
    table (``total`` pages) is. A sequential scan of a large table starts where another one is
    (PostgreSQL's synchronized scans) and wraps around at the end, so the span read is the circle
    of pages less its largest gap between two pages read."""
    total = max(total, pages[-1] + 1)
    gaps = [after - before for before, after in zip(pages, pages[1:], strict=False)]
    gaps.append(pages[0] + total - pages[-1])  # from the last page read round to the first
    return total / max(1, total - max(gaps) + 1)


def _among(ids: list[int], column: str = "pk") -> Q:
    """``column`` is one of ``ids``: one array parameter on PostgreSQL (``AnyOf``), where ``IN``
    cost Django and psycopg a parameter each (a count of the first 1,000 customers' orders:
    15 ms, 5 of them in the database)."""
    # an empty list would make Django give up the whole query (EmptyResultSet) where the list's
    # parts are compiled on their own; "id IS NULL" matches nothing and compiles
    return Q(AnyOf(F(column), ids)) if ids else Q(**{f"{column}__isnull": True})


def _containing(columns: tuple[str, ...], part: str) -> Q:
    """PostgreSQL: ``columns`` (any of them) contain ``part``, through their bigram indexes for a
    part of two characters (``core.bigram``), else ``icontains``, which their trigram indexes
    answer from three characters."""
    if answers(part):
        terms = (Q(HasBigram(F(column), Value(part))) for column in columns)
    else:
        terms = (Q(**{f"{column}__icontains": part}) for column in columns)
    return reduce(operator.or_, terms)


def named(
    rows: QuerySet,
    part: str,
    *,
    own: tuple[str, ...] = ("name",),
    within: Q | None = None,
    probe: int | None = None,
) -> Found:
    """Which of ``rows`` (a list's records in the user's scope) have ``own`` columns or a
    customer's name that contain ``part`` (``icontains`` all), the search of the lists that name a
    customer; with, when those are many, a few of them picked along the customer index (the
    sample), from which the list's count learns soonest that it passes its cap, and the two sides
    of the test (own text, customer), which it counts by their indexes when it does not
    (``core.pagination.searched``).

    Written as an OR across the join, PostgreSQL could use no index for it and walked the list's
    order testing each record's customer: 24 s for a director's opportunity search at size L when
    few match. On PostgreSQL the customers are therefore read first from their name's index (up
    to ``PROBE``), then the records whose own columns (by their indexes) or customer match (up to
    ``RECORDS``), then which of those are in ``rows``; the list reads those ids by their
    keys. Three queries of a few milliseconds when few match. A part in more names or records is
    left to the list's own order, whose page fills at once; so is a single character, and SQLite
    (no such index on these tables). A part of two characters is read from bigram indexes
    (``core.bigram``). Each of the ``own`` columns needs its trigram and bigram indexes on
    PostgreSQL.

    A part in ``PROBE`` names or more but fewer than ``WIDE`` (as ``_reach`` estimates) is tested
    against its customers' ids (a subquery PostgreSQL hashes) as the list walks its order. Counting
    a part common to thousands of names tested record after record through the customer's name
    (1 s for a director's opportunities at size L); the records of the first ``PROBE`` such
    customers, read by the customer index, tell in a few milliseconds that there are more than a
    search counts. A rep's count, which the sample seldom settles, reads each side from its index
    (by the customers' name index, then the records' customer index) instead of testing every
    record the rep sees.

    ``within``: a condition that the customer of every record in ``rows`` meets, for a list
    scoped by its customers (activities, contacts: the user's scope of customers,
    ``core.permissions.scope_filter``). The customers read by name are only those: a rep's search
    of a word common to 12,000 names then reads the hundreds of the rep's and the pool's, and
    their records by their ids, where it read every such customer's records to keep the rep's
    (0.3-0.6 s for a rep's activities at size L).

    ``probe``: how many customers are read by their ids before the list is left to walk its order
    (``PROBE``). A list whose order no index gives (contacts, by their customer's name) sorts
    every match to show a page, so it reads more by their ids (``RECORDS``): the director's
    contacts of 2,472 customers' names at L were found by testing all 1.6 million contacts
    (0.65 s)."""
    mine = reduce(operator.or_, (Q(**{f"{column}__icontains": part}) for column in own))
    plain = mine | Q(customer__name__icontains=part)
    if _connection().vendor != "postgresql" or not (len(part) >= MIN_CHARS or answers(part)):
        return Found(plain)
    # every customer, soft-deleted or not, as the join did: the list applies its own conditions
    by_name = Customer._base_manager.filter(_containing(("name",), part))
    if within is not None:
        by_name = by_name.filter(within)
    probe = probe or PROBE
    customers, reach = _reach(by_name, probe)
    narrowed = False
    if len(customers) >= probe and within is None and (within := _customers_of(rows)) is not None:
        # A part in many names, a rep's list: the names among the customers of the rep's records
        # (which hold every record of ``rows``), each tested as it is read: the pairs' function
        # costs 20 us a name, the index would give thousands of others to leave out.
        by_name = Customer._base_manager.filter(name__icontains=part).filter(within)
        customers, reach = _reach(by_name, probe)
        narrowed = True
    # the sides a count reads by their indexes: own text (a pair of characters by its bigram
    # index: given the LIKE, PostgreSQL read the trigram index whole, 2 million activities for
    # "乳业"), and the customer
    indexed = _containing(own, part)
    if len(customers) >= probe:
        sample = _among(customers, "customer_id")
        theirs = Q(customer_id__in=by_name.values("pk"))
        if reach >= WIDE:  # in most pages of the list: the walk meets them at once
            return Found(plain, sample, (indexed, theirs))
        # a few thousand names: the walk would pass thousands of records, testing each one's
        # customer (110 ms at L for 2,528 of a million customers' names); their ids, hashed, 24 ms
        return Found(mine | theirs, sample, (indexed, theirs))
    matching = indexed
    if customers:
        matching |= _among(customers, "customer_id")
    # The records themselves, by their indexes (text, customer): the list then reads exactly these.
    # Given "customer_id IN (...)" instead, PostgreSQL guessed each customer's records from its
    # estimate of distinct customers (13 a customer where there are 3) and walked the list's order
    # expecting to meet them soon: 530 ms for 443 opportunities at size L.
    ids = _few(rows.model._base_manager.filter(matching), RECORDS)
    if ids is None:  # many: the list's order fills its page at once; its test needs no join
        if not customers:
            return Found(mine)
        theirs = _among(customers, "customer_id")
        return Found(mine | theirs, theirs, (indexed, theirs))
    if ids and scoped(rows) and not narrowed:
        # then those of them in ``rows`` (the scope), by their keys: given both the text and the
        # scope in one query, PostgreSQL ANDed a bitmap of the scope (a rep's 460,000 activities
        # with the pool's) with the few matches; given the matches and the scope in the list's
        # own query, a rep's page walked the rep's 66,000 activities to find its 4. A list with
        # no scope (a director's) tests its other conditions on these rows as it reads them; so
        # does a rep's list whose records' customers were read first: the records of those are
        # few, and mostly the rep's.
        ids = list(rows.filter(_among(ids)).order_by().values_list("pk", flat=True))
    return Found(_among(ids), few=True)


def _customers_of(rows) -> Q | None:
    """The customers of ``rows``' records, when ``rows`` is a rep's scope (their own records, those
    shared with them: ``core.pagination.owned_by_one``), as a subquery of each part's customers read
    along its own index (the owner's index of opportunities and orders holds the customer: a rep's
    20,000 opportunities give their customers in 5 ms at size L); else None. A manager's wider
    scope is left to the list's own ways."""
    if not owned_by_one(rows):
        return None
    union, params = column_by_parts(rows, "customer_id")
    customers = RawSQL(f"SELECT customer_id FROM ({union}) AS parts", params)  # noqa: S611  (compiled by the ORM)
    return Q(AnyOf(F("pk"), customers))


def key_starts(key: str) -> Q:
    """Customers whose name key starts with ``key``."""
    if _connection().vendor == "sqlite":
        return Q(name_key__gte=key, name_key__lt=key + TOP)
    return Q(name_key__startswith=key)


def email_is(address: str) -> Q:
    """Customers with this e-mail address in any case, read from the index on UPPER(email) on both
    databases (SQLite's ``iexact`` is a LIKE, which that index does not answer)."""
    # both sides folded by the database's UPPER, as iexact did (SQLite's folds ASCII letters only)
    return Q(Exact(Upper("email"), Upper(Value(address))))


def rebuild(connection=None) -> int:
    """Index every customer's name again (after a bulk load that paused the triggers). Returns how
    many names the index holds; 0 on PostgreSQL, which needs none of this."""
    connection = connection or _connection()
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        return cursor.fetchone()[0]
