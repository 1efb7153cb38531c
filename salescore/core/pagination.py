"""Pagination shared by pages and the API: every list is cut into pages, none is unbounded."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import AND, WhereNode

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


# Counting every row of a list of millions costs more than showing a page of it: past this many
# rows a list says "more than 10,000" and pages on without a last page number.
COUNT_CAP = 10_000
# A text search's answer is counted no further than this: a search is read for its first pages,
# and a part common to many names ("有限") would be counted record by record, each one tested
# through its customer's name (a director's opportunities at size L: 1 s to count 10,000).
SEARCH_COUNT_CAP = 1_000


@dataclass
class PageResult:
    items: list
    number: int
    page_size: int
    count: int  # exact when count_exact, else the cap it was counted to (there are more)
    num_pages: int  # the last page when count_exact, else the last page reached so far
    count_exact: bool = True
    more: bool = False  # a next page exists (known from the row past this page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.more if not self.count_exact else self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return 0 if not self.items else (self.number - 1) * self.page_size + 1

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)


def searched(rows, condition, sample=None, sides=(), few=False):
    """``rows.filter(condition)``, the answer to a text search, counted no further than
    ``SEARCH_COUNT_CAP`` (``count_cap``). The condition is marked in the WHERE
    (``SearchCondition``), where it stays through every further filter, ordering or ``values``.

    ``sample`` (a ``Q``, or None) implies ``condition`` and picks some or all of its rows along an
    index: the records of the first customers whose name holds the part
    (``customers.search.named``), the names holding a pair of characters by the bigram index
    (``customers.search.name_contains``). When those alone are more than the cap, so is the list,
    and it is not counted further (``capped_count``): a part common to thousands of names was
    otherwise counted by testing record after record through its customer's name (a director's
    opportunities at size L: 1 s up to 10,000).

    ``sides`` (``Q``s whose OR is ``condition``) are counted each from its own index and their
    rows' ids united, as the parts of a scope are: a record's own text by its trigram index, its
    customer by the customers' name index and the records' customer index. A rep's search of a
    part common to thousands of names otherwise tested every record the rep sees (1.5 s for a
    rep's activities at L, the public pool's included).

    ``few``: the condition is a list of ids (``customers.search.named`` read them by their
    indexes, fewer than 5,000), which the count reads by their keys, testing the scope on each;
    read scope part by scope part, PostgreSQL walked a rep's 66,000 activities in their owner's
    index to keep 283 of 1,454 ids (27 ms -> 2 ms at size L)."""
    before = len(rows.query.where.children)
    found = rows.filter(condition)
    where = found.query.where
    if where.connector != AND or where.negated or len(where.children) <= before:
        return found
    marked = SearchCondition.create(children=where.children[before:], connector=AND)
    marked.sample = sample
    marked.sides = tuple(sides)
    marked.few = few
    where.children[before:] = [marked]
    return found


def count_cap(queryset) -> int:
    """How far ``queryset`` is counted: ``SEARCH_COUNT_CAP`` for a search's answer (``searched``),
    else ``COUNT_CAP``."""
    return COUNT_CAP if _search(queryset) is None else SEARCH_COUNT_CAP


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): the rows of ``queryset``, counted no further than ``cap`` (``count_cap``)."""
    cap = count_cap(queryset) if cap is None else cap
    if queryset.query.group_by is None:
        # values("pk") leaves the list's display annotations (correlated counts) out of the count.
        queryset = queryset.values("pk")
    limit = cap + 1
    search = _search(queryset)
    if search is None:
        counted = _count(queryset, limit=limit)
    else:
        # The sample, then the sides, in place of the search's condition: each reads its own
        # index and tests no customer's name.
        position, marked = search
        if marked.few:
            return _capped(_plain_count(queryset, limit=limit), cap)
        sample = None if marked.sample is None else _instead(queryset, position, marked.sample)
        # the sample is a probe along an index: read without parallel workers (``read_serially``)
        if (
            sample is not None
            and _count_pieces(_pieces(sample, limit=limit), limit=limit, db=sample.db, serial=True) > cap
        ):
            return cap, False
        if marked.sides:
            sides = [_instead(queryset, position, side) for side in marked.sides]
            pieces = [piece for side in sides for piece in _pieces(side, limit=limit)]
            counted = _count_pieces(pieces, limit=limit, db=queryset.db)
        else:
            counted = _count(queryset, limit=limit)
    return _capped(counted, cap)


def _capped(counted: int, cap: int) -> tuple[int, bool]:
    return (counted, True) if counted <= cap else (cap, False)


def _plain_count(queryset, *, limit: int) -> int:
    """The rows of ``queryset`` counted in one plain query, no further than ``limit``."""
    return queryset.order_by()[:limit].count()


def _instead(queryset, position: int, condition):
    """``queryset`` with ``condition`` in place of the one at ``position`` in its WHERE."""
    replaced = queryset.all()
    del replaced.query.where.children[position]
    return replaced.filter(condition)


def _count(queryset, *, limit: int) -> int:
    """The rows of ``queryset``, counted no further than ``limit``."""
    if _scope(queryset):
        return _count_pieces(_pieces(queryset, limit=limit), limit=limit, db=queryset.db)
    return _plain_count(queryset, limit=limit)


def _pieces(queryset, *, limit: int) -> list[tuple]:
    """(SQL, parameters) of the first ``limit`` ids of ``queryset``: one query, or one for each
    part of its scope (``_part_queries``)."""
    found = _scope(queryset)
    if found:
        return _part_queries(queryset, *found, order=(), limit=limit)
    first = queryset.order_by().values("pk")[:limit]
    sql, params = first.query.get_compiler(connection=connections[first.db]).as_sql()
    return [(f"SELECT * FROM ({sql}) AS part", list(params))]  # noqa: S608  (compiled by the ORM)


def _count_pieces(pieces: list[tuple], *, limit: int, db: str, serial: bool = False) -> int:
    """The rows of a queryset read in pieces (``_pieces``: the parts of its scope, the sides of its
    search, or both): each piece's first ``limit`` ids, their ``UNION`` (a record seen two ways
    counts once), counted. When no piece reaches ``limit`` the union is the whole, so the count is
    exact; when one does, the count is at least ``limit``, which the caller reports as "more
    than". Each piece reads its own index (a rep's
    activities: their customers', then the pool's, index only); their OR made PostgreSQL scan the
    table until it had found ``limit`` rows (80 ms for a rep's activities at size L).

    A piece that alone reaches ``limit`` answers without the others and without the union: the
    pieces are counted one by one first, in a ``CASE`` whose subqueries the database runs only when
    it needs their value (PostgreSQL's init plans, SQLite's subroutines), and the first full one
    ends it. A rep's activities at L: 18-23 ms for the union of two parts of 10,001, 5 ms for the
    first part alone. When none is full, the union reads the pieces already read: each is a
    materialized common table expression, computed once when first needed (a rep's search of a
    part in 12,000 customers' names read its customer side twice, 150 ms each, at size L)."""
    params = [value for _sql, part_params in pieces for value in part_params]
    if len(pieces) == 1:
        query = f"SELECT COUNT(*) FROM ({pieces[0][0]}) AS scoped"  # noqa: S608  (compiled by the ORM)
    else:
        names = [f"piece{n}" for n in range(len(pieces))]
        read = ", ".join(
            f"{name} AS MATERIALIZED ({sql})" for name, (sql, _p) in zip(names, pieces, strict=True)
        )
        full = " OR ".join(f"(SELECT COUNT(*) FROM {name}) >= %s" for name in names)  # noqa: S608
        union = " UNION ".join(f"SELECT * FROM {name}" for name in names)  # noqa: S608
        whole = f"(SELECT COUNT(*) FROM ({union}) AS scoped)"  # noqa: S608
        query = f"WITH {read} SELECT CASE WHEN {full} THEN %s ELSE {whole} END"  # noqa: S608
        params = [*params, *(limit for _name in names), limit]
    if serial:
        return read_serially(query, params, db=db)[0][0]
    with connections[db].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def read_serially(sql: str, params, *, db: str) -> list[tuple]:
    """The rows of a query read on PostgreSQL without parallel workers: a probe along an index
    (the first 1,000 customers whose name holds a pair of characters, the records of a sample of
    them) took 12-19 ms with the two workers PostgreSQL starts for a bitmap scan of thousands of
    rows, and 3-5 ms without (size L; decision 0023). ``SET LOCAL`` lasts for the statement's own
    transaction, which the two statements sent as one make (or the transaction it is part of).
    SQLite, or psycopg's server-side binding (one statement at a time): the query as it is."""
    connection = connections[db]
    serial = connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = 0; {sql}" if serial else sql, params)
        if cursor.description is None:  # psycopg 3 gives the first statement's result first
            cursor.nextset()
        return [tuple(row) for row in cursor.fetchall()]


class MarkedCondition(WhereNode):
    """A condition in a queryset's WHERE that carries what it was made of (``carried``). Its
    class and what it carries survive every clone of the query, so they follow the queryset
    through further filters, annotations and orderings."""

    carried: tuple[str, ...] = ()

    def _carry(self, copied):
        for name in self.carried:
            setattr(copied, name, getattr(self, name))
        return copied

    def clone(self):
        return self._carry(super().clone())

    def __copy__(self):
        return self._carry(super().__copy__())

    def __deepcopy__(self, memodict):
        return self._carry(super().__deepcopy__(memodict))


class ScopeCondition(MarkedCondition):
    """The scope's condition in a queryset's WHERE (``scope_queryset`` puts it there), carrying
    its parts (core.permissions.scope_parts)."""

    carried = ("parts",)
    parts: tuple = ()


class SearchCondition(MarkedCondition):
    """A text search's condition in a queryset's WHERE (``searched`` puts it there), carrying the
    sample its count may read first and the sides it may be counted by, or that it is a few ids,
    counted plainly."""

    carried = ("sample", "sides", "few")
    sample = None
    sides: tuple = ()
    few = False


def mark_scope(queryset, parts):
    """Mark the condition ``queryset.filter(scope)`` just added as the scope of these parts."""
    where = queryset.query.where
    if len(parts) < 2 or where.connector != AND or where.negated or not where.children:
        return queryset
    node = where.children[-1]  # the scope's OR of its parts
    if type(node) is not WhereNode:
        return queryset
    marked = ScopeCondition.create(connector=node.connector, negated=node.negated)
    marked.children = list(node.children)
    marked.parts = tuple(parts)
    where.children[-1] = marked
    return queryset


def rows(queryset, start: int, stop: int):
    """``queryset[start:stop]``, read part by part when the queryset is a user's scope of several
    parts (their people's records, the unowned, those shared with them).

    Their OR leaves one index for the list's order: a rep's page of customers walked the
    updated-at index past every colleague's customer, about 15,000 rows for 100. Here each part,
    in place of the scope, takes its first ``stop`` rows along its own index (a rep's: owner,
    updated-at) as a LIMITed subquery of a ``UNION ALL``; the page is cut from those candidates in
    the queryset's order, so its rows and order are exactly the plain slice's. Each part is a
    subquery of its own (``SELECT * FROM (...)``): Django's ``union`` refuses a sliced part on
    SQLite.

    Every candidate already meets the whole queryset (its part implies the scope, and it met every
    other condition), so the page's own query tests neither the scope nor the search again
    (``_implied``): given them, PostgreSQL costed the search's hashed subquery of customers once
    for every candidate it would look up by its key, and read all 10 million activities instead
    (3 s for a rep's page at size L).
    """
    found = _scope(queryset)
    order = _ordering(queryset) if found else ()
    if not order:
        return queryset[start:stop]
    columns = _order_columns(queryset.model, order)
    if columns is None:
        sql, params = _each_part(queryset, *found, order=order, limit=stop)
        candidates = RawSQL(" UNION ALL ".join(sql), params)  # noqa: S611  (compiled by the ORM)
        return _implied(queryset).filter(pk__in=candidates)[start:stop]
    # The order is on the model's own columns: each part gives its candidates with them, and
    # only the first ``stop`` of all the parts' (a record seen two ways once: UNION) are read
    # whole, with the list's joins. A rep's page of 100 activities joined 300 rows, then sorted.
    pieces = _part_queries(
        queryset, *found, order=order, limit=stop, columns=[name for name, _desc in columns[:-1]]
    )
    # By position: the id is the first column, the order's columns follow, the id ends the order.
    positions = [*range(2, len(columns) + 1), 1]
    keys = ", ".join(
        f"{at}{' DESC' if desc else ''}" for at, (_name, desc) in zip(positions, columns, strict=True)
    )
    union = " UNION ".join(sql for sql, _params in pieces)
    first = f"SELECT pk FROM ({union} ORDER BY {keys} LIMIT {int(stop)}) AS candidates"  # noqa: S608
    params = [value for _sql, part_params in pieces for value in part_params]
    return _implied(queryset).filter(pk__in=RawSQL(first, params))[start:stop]  # noqa: S611  (compiled by the ORM)


def _implied(queryset):
    """``queryset`` without its scope and its search (``MarkedCondition``), which the candidates
    it is then narrowed to meet already."""
    cut = queryset.all()
    where = cut.query.where
    where.children = [child for child in where.children if not isinstance(child, MarkedCondition)]
    return cut


def _order_columns(model, order: tuple) -> list[tuple[str, bool]] | None:
    """[(column, descending)] of an order made of the model's own plain columns and ending with
    its primary key (so that it is total; the key comes last, as ``pk``); None for any other order
    (a related model's field orders by that model's own ordering, an expression may sort NULLs its
    own way: those pages keep the plain candidates)."""
    columns = []
    for key in order:
        if not isinstance(key, str) or "__" in key or key.startswith("?"):
            return None
        name = key.lstrip("-")
        try:
            field = model._meta.get_field("id" if name == "pk" else name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.is_relation:
            return None
        if field.primary_key:
            return [*columns, ("pk", key.startswith("-"))]
        columns.append((field.attname, key.startswith("-")))
    return None


def _each_part(queryset, position: int, parts: tuple, *, order: tuple, limit: int) -> tuple[list, list]:
    """Each part's first ``limit`` ids in ``order``, as SQL of its own
    (``SELECT * FROM (...) AS partN``), and the parameters of them all."""
    pieces = _part_queries(queryset, position, parts, order=order, limit=limit)
    return [sql for sql, _params in pieces], [value for _sql, params in pieces for value in params]


def _part_queries(
    queryset, position: int, parts: tuple, *, order: tuple, limit: int, columns: list[str] = ()
) -> list[tuple]:
    """(SQL, parameters) of each part's first ``limit`` ids in ``order``, with ``columns`` after
    the id."""
    pieces = []
    for n, part in enumerate(parts):
        first = queryset.all()
        # The part instead of the scope: ANDed with the scope, PostgreSQL would count the part's
        # condition twice (owner = 7 AND (owner = 7 OR ...)) and expect a rep to own 35 rows.
        del first.query.where.children[position]
        first = (
            first.filter(part).order_by(*_led_by(part, order, queryset.model)).values("pk", *columns)[:limit]
        )
        part_sql, part_params = first.query.get_compiler(connection=connections[first.db]).as_sql()
        pieces.append((f"SELECT * FROM ({part_sql}) AS part{n}", list(part_params)))  # noqa: S608
    return pieces


def _led_by(part, order: tuple, model) -> tuple:
    """The part's order led by the one column the part pins (``owner = 7``, ``owner IS NULL``)
    when an index starts with that column and the order's first key: within the part the column
    has one value, so the order is the same, and the planner takes that index. Left to itself,
    PostgreSQL assumed the pool's activities spread evenly in time and walked the occurred-at
    index from the newest, past millions of owned customers' activities (7 s at size L): the
    pool's are the old ones."""
    pin = _pin(part) if order else None
    if pin is None:
        return order
    field_name, lookup, value = pin
    if lookup not in ("exact", "isnull") or (lookup == "isnull" and value is not True):
        return order
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return order
    # A partial index serves only lists whose filters imply its condition (the open follow-ups);
    # for another list the part's rows are sorted instead: the same rows, in the same order.
    leading = [field_name, order[0]]
    if any(list(index.fields[:2]) == leading for index in model._meta.indexes):
        return (field.attname, *order)
    return order


def _pin(part) -> tuple[str, str, object] | None:
    """(field, lookup, value) of a part that is one condition on one field, as written
    (``owner=7``: ("owner", "exact", 7); ``customer__owner=7``: ("customer", "owner", 7)), else
    None."""
    if part.negated or len(part.children) != 1 or not isinstance(part.children[0], tuple):
        return None
    name, value = part.children[0]
    field_name, _sep, lookup = name.partition("__")
    return field_name, lookup or "exact", value


def _scope(queryset) -> tuple[int, tuple] | None:
    """(where the scope sits in the WHERE, its parts), or None to read the plain slice."""
    query = getattr(queryset, "query", None)
    if query is None or query.combinator or query.distinct or query.group_by is not None or query.is_sliced:
        return None
    where = query.where
    if where.connector != AND or where.negated:
        # Combined with another queryset by OR (qs | other): rows outside the scope may be in it.
        return None
    found = [(n, child.parts) for n, child in enumerate(where.children) if isinstance(child, ScopeCondition)]
    return found[0] if len(found) == 1 and len(found[0][1]) > 1 else None


def scoped(queryset) -> bool:
    """Whether ``queryset`` holds a user's scope of several parts (``mark_scope``)."""
    return _scope(queryset) is not None


def owned_by_one(queryset) -> bool:
    """Whether ``queryset`` is the scope of one person's own records and a few more, read by
    parts (a rep's: ``owner = 7``, then those shared with them)."""
    found = _scope(queryset)
    pin = _pin(found[1][0]) if found else None
    owner = getattr(queryset.model, "scope_owner_field", None)
    return pin is not None and pin[0] == owner and pin[1] == "exact" and pin[2] is not None


def column_by_parts(queryset, column: str) -> tuple[str, list] | None:
    """(SQL, parameters) of ``column`` of every row of each part of a scoped ``queryset``
    (``UNION ALL``: a row seen two ways comes twice), each part along its own index; None when
    the queryset is not read by parts (``scoped``)."""
    found = _scope(queryset)
    if not found:
        return None
    pieces = _part_queries(queryset, *found, order=(), limit=None, columns=[column])
    union = " UNION ALL ".join(sql for sql, _params in pieces)
    return union, [value for _sql, params in pieces for value in params]


def _search(queryset) -> tuple[int, SearchCondition] | None:
    """(where the search's condition sits in the WHERE, the condition), or None."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return None
    found = [(n, child) for n, child in enumerate(where.children) if isinstance(child, SearchCondition)]
    return found[0] if len(found) == 1 else None


def _ordering(queryset) -> tuple:
    query = queryset.query
    if query.extra_order_by:
        return ()
    if query.order_by:
        return tuple(query.order_by)
    return tuple(queryset.model._meta.ordering) if query.default_ordering else ()


def _number(page) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def paginate(queryset, *, page=1, page_size=DEFAULT_PAGE_SIZE) -> PageResult:
    """One page of ``queryset``: two queries (a capped count and the page) whatever its size.
    A page number past the end shows the last page; past the cap, pages go on while rows do."""
    try:
        size = int(page_size)
    except (TypeError, ValueError):
        size = DEFAULT_PAGE_SIZE
    size = max(1, min(size, MAX_PAGE_SIZE))
    count, exact = capped_count(queryset)
    number = _number(page)
    if exact:
        last = max(1, -(-count // size))
        number = min(number, last)
        items = list(rows(queryset, (number - 1) * size, number * size))
        return PageResult(items=items, number=number, page_size=size, count=count, num_pages=last)
    offset = (number - 1) * size
    found = list(rows(queryset, offset, offset + size + 1))
    if not found and number > 1:
        # Past the end of a very long list: back to the first page rather than an empty one.
        number, found = 1, list(rows(queryset, 0, size + 1))
    return PageResult(
        items=found[:size],
        number=number,
        page_size=size,
        count=count,
        num_pages=number + (1 if len(found) > size else 0),
        count_exact=False,
        more=len(found) > size,
    )
