"""A search by part of a name finds exactly the customers whose name contains it, on both databases:
on SQLite through the trigram index of the names (migration 0012, decision 0022), kept by triggers
after every kind of write; on PostgreSQL through its trigram index, or its bigram index for a part
of two characters (migration 0013). The results are compared with the names themselves, so the
index can only make a search faster, never different."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core import bigram
from salescore.customers import merge, search, selectors, services
from salescore.customers.identity import credit_code_check_char
from salescore.customers.models import Customer

NAMES = [
    "杭州海岸机械有限公司",
    "杭州海岸机械设备有限公司",
    "宁波东海岸贸易有限公司",
    "Acme Robotics (Shanghai) Co., Ltd.",
    "ACME 机器人（苏州）有限公司",
    "百分之百_科技%有限公司",
    "厦门鹭岛电子有限公司",
]


def code(n: int) -> str:
    body = f"91330100{n:09d}"
    return body + credit_code_check_char(body)


@pytest.fixture
def book(cast):
    made = {}
    for n, name in enumerate(NAMES, start=1):
        made[name] = services.customer_create(
            actor=cast.director.user, name=name, credit_code=code(n), phone=f"0571-8800{n:04d}"
        )
    return made


def index_holds_the_names() -> None:
    """FTS5's own check of an external-content index against the table (raises when they differ)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {search.TABLE}({search.TABLE}, rank) VALUES ('integrity-check', 1)")  # noqa: S608


def found(user, q: str) -> set[str]:
    return set(selectors.customer_list(user=user, q=q).values_list("name", flat=True))


def by_names(part: str) -> set[str]:
    """What a search for ``part`` must find by name: the names that contain it, compared in Python
    (ASCII letters in either case, as both databases' LIKE)."""
    return {c.name for c in Customer.objects.all() if part.lower() in c.name.lower()}


@pytest.mark.parametrize(
    "part",
    [
        "海岸机械",
        "东海岸",
        "海岸",
        "岸机",
        "aC",
        "_科",
        "%有",
        "鹭岛",
        "acme",
        "ACME ROBOTICS",
        "botics (sh",
        "_科技%",
        "百分之",
        "鹭",
        "没有这家公司",
    ],
)
def test_a_part_of_a_name_finds_exactly_the_names_that_contain_it(cast, book, part):
    assert found(cast.director.user, part) == by_names(part)
    assert found(cast.director.user, part) or part == "没有这家公司"
    pool = set(selectors.pool_list(user=cast.director.user, q=part).values_list("name", flat=True))
    assert pool == {c.name for c in Customer.objects.filter(owner=None) if part.lower() in c.name.lower()}


@pytest.mark.parametrize("probe", [1000, 2])
def test_a_part_of_two_characters_reads_the_bigram_index(cast, book, probe):
    """PostgreSQL: a part of two characters, which no trigram holds, is looked up in the names'
    bigram index (``core.bigram``); a part in ``PROBE`` names or more is left to the list's order.
    The same names either way, and on SQLite."""
    with mock.patch.object(search, "PROBE", probe), CaptureQueriesContext(connection) as queries:
        for part in ("海岸", "岸机", "有限", "Ac", "鹭岛", "无此"):
            assert found(cast.director.user, part) == by_names(part), part
    bigram_reads = [q["sql"] for q in queries.captured_queries if "sc_bigrams" in q["sql"]]
    assert len(bigram_reads) == (6 if connection.vendor == "postgresql" else 0)


def test_how_many_names_hold_a_part_is_read_or_estimated(cast, book):
    """PostgreSQL: ``_reach`` gives the ids of the first ``limit`` matches and how many match:
    exactly below the limit, else estimated from how far into the table's pages the first ones
    lie."""
    if connection.vendor != "postgresql":
        return  # named reads no customer ids on SQLite
    rows = Customer._base_manager.filter(name__icontains="有限")
    every = set(rows.values_list("pk", flat=True))
    assert len(every) > 2

    ids, reach = search._reach(rows, 1000)
    assert set(ids) == every and reach == len(every)

    ids, reach = search._reach(rows, 2)
    assert len(ids) == 2 and set(ids) <= every and reach >= 2


def test_the_share_of_a_table_a_scan_read():
    """``_whole_over_read``: the whole table over the span of pages read, a scan that wrapped
    round the table's end included (PostgreSQL's synchronized sequential scans start anywhere)."""
    assert search._whole_over_read(list(range(10)), 100) == 10  # the first tenth
    assert search._whole_over_read([40, 45, 49], 100) == 10  # a tenth from the middle
    assert search._whole_over_read([0, 1, 2, 3, 4, 95, 96, 97, 98, 99], 100) == 10  # wrapped
    assert search._whole_over_read([7], 100) == 100
    assert search._whole_over_read(list(range(100)), 100) == 1


@pytest.mark.parametrize("cap", [1, 5, 100])
@pytest.mark.parametrize("probe", [1000, 2])
def test_the_customer_list_counts_a_search_up_to_its_cap(cast, book, probe, cap):
    """The customer list's count of a search (``core.pagination.searched``): a two-character part
    in ``PROBE`` names or more is counted by the bigram index first (``name_contains``'s sample);
    whichever way, the true count up to the cap, and the cap with "more" past it."""
    from salescore.core import pagination

    with mock.patch.object(search, "PROBE", probe), mock.patch.object(pagination, "SEARCH_COUNT_CAP", cap):
        for part in ("有限", "海岸", "aC", "鹭岛", "无此", "海岸机械"):
            truth = len(by_names(part))
            listed = selectors.customer_list(user=cast.director.user, q=part)
            assert pagination.capped_count(listed) == ((truth, True) if truth <= cap else (cap, False)), part
            pool = selectors.pool_list(user=cast.director.user, q=part)
            assert pagination.capped_count(pool) == (0, True), part  # the book is all owned


def test_the_bigrams_of_a_text(db):
    # exactly two characters, which stay two in upper case ("ß" becomes "SS")
    assert bigram.answers("成鑫") and bigram.answers("aB")
    assert not (bigram.answers("成") or bigram.answers("成鑫科") or bigram.answers("aß"))
    if connection.vendor == "postgresql":  # SQLite has no bigram index (decision 0022)
        with connection.cursor() as cursor:
            cursor.execute("SELECT sc_bigrams('成鑫科技'), sc_bigrams('ab'), sc_bigrams('a'), sc_bigrams('')")
            assert cursor.fetchone() == (["成鑫", "鑫科", "科技"], ["ab"], [], [])


def test_the_index_follows_every_write(cast, book):
    director = cast.director.user
    index_holds_the_names()
    # a rename through the service, a rename by a bulk update, a soft delete, a restore, a hard delete
    renamed = services.customer_update(
        actor=director, customer=book["厦门鹭岛电子有限公司"], name="厦门白鹭洲电子有限公司"
    )
    assert found(director, "白鹭洲") == {renamed.name} and found(director, "鹭岛电") == set()
    Customer.objects.filter(pk=book["宁波东海岸贸易有限公司"].pk).update(name="宁波北仑港贸易有限公司")
    assert found(director, "北仑港") == {"宁波北仑港贸易有限公司"} and found(director, "东海岸") == set()
    services.customer_delete(actor=director, customer=book["杭州海岸机械设备有限公司"])
    assert found(director, "海岸机械") == {"杭州海岸机械有限公司"}
    services.customer_restore(
        actor=director, record=Customer.all_objects.get(pk=book["杭州海岸机械设备有限公司"].pk)
    )
    assert found(director, "海岸机械") == {"杭州海岸机械有限公司", "杭州海岸机械设备有限公司"}
    Customer.all_objects.filter(pk=book["Acme Robotics (Shanghai) Co., Ltd."].pk).delete()
    assert found(director, "Robotics") == set()
    index_holds_the_names()


def test_a_search_stays_in_scope_and_keeps_its_other_terms(cast, book):
    ours = book["杭州海岸机械有限公司"]
    services.customer_update(actor=cast.director.user, customer=ours, owner=cast.rep_a.person)
    assert found(cast.rep_a.user, "海岸机械") == {ours.name}
    assert found(cast.rep_b.user, "海岸机械") == set()
    # the credit code (also typed in lower case, with spaces), the phone, the name without its legal form
    spaced = " ".join(code(1)[i : i + 6] for i in range(0, 18, 6)).lower()
    assert found(cast.director.user, spaced) == {ours.name}
    assert found(cast.director.user, "0571 8800 0001") == {ours.name}
    services.customer_update(actor=cast.director.user, customer=ours, email="Sales@HaiAn.example.com")
    assert found(cast.director.user, "sales@haian.EXAMPLE.com") == {ours.name}
    assert found(cast.director.user, "杭州海岸机械有限") >= {ours.name}
    # a part that only looks like a credit code finds nothing and breaks nothing
    assert found(cast.director.user, "9133010000000000ZZ") == set()


def test_a_part_in_many_names_is_read_along_the_list_order(cast, book):
    """A part found in ``PROBE`` names or more is left to the list's own order (its page fills in
    its first rows); the result is the same either way."""
    with mock.patch.object(search, "PROBE", 3), CaptureQueriesContext(connection) as queries:
        many = found(cast.director.user, "有限公司")
        few = found(cast.director.user, "海岸机械")
    assert many == by_names("有限公司") and few == by_names("海岸机械")
    sql = [q["sql"] for q in queries.captured_queries]
    uses_index = [search.TABLE in s and "rowid" in s for s in sql if "customers_customer" in s]
    if connection.vendor == "sqlite":
        # the probes, then only the narrow part's list reads the index
        assert sum(uses_index) == 1, sql
    else:
        assert not any(search.TABLE in s for s in sql)  # PostgreSQL reads its trigram index


def test_similar_names_and_merge_candidates_use_the_key_prefix(cast, book):
    similar = selectors.similar_customers(user=cast.director.user, name="杭州海岸机械股份有限公司")
    assert {c.name for c in similar} == {"杭州海岸机械有限公司", "杭州海岸机械设备有限公司"}
    candidates = merge.merge_candidates(user=cast.director.user, customer=book["杭州海岸机械有限公司"])
    assert [c.name for c in candidates] == ["杭州海岸机械设备有限公司"]


def test_the_index_exists_after_the_migrations(db):
    # (its triggers: core/tests/test_triggers.py)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.TABLE])
            assert "trigram" in cursor.fetchone()[0]
        else:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_idx'")
            indexes = dict(cursor.fetchall())
            trigrams = ("customer_name_trgm_idx", "contact_name_trgm_idx", "quote_number_trgm_idx")
            for name in (*trigrams, "ticket_number_trgm_idx", "ticket_subject_trgm_idx"):
                assert "gin_trgm_ops" in indexes[name]
            bigrams = (
                "customer_name_bigram_idx",
                "contact_name_bigram_idx",
                "opportunity_name_bigram_idx",
                "activity_subject_bigram_idx",
                "order_number_bigram_idx",
                "order_customer_po_bigram_idx",
                "quote_number_bigram_idx",
                "ticket_number_bigram_idx",
                "ticket_subject_bigram_idx",
            )
            for name in bigrams:
                assert "sc_bigrams(upper(" in indexes[name], name


@pytest.fixture(
    params=[(1000, 5000, 5000), (2, 5000, 5000), (2, 5000, 0), (1000, 2, 5000)],
    ids=["by-ids", "many-customers", "most-customers", "many-records"],
)
def limits(request):
    """The lists that name their customer read the matches' ids (``search.named``), or their own
    order when the customers (``PROBE``) or the records (``RECORDS``) found are many, testing the
    customers' ids (fewer than ``WIDE`` customers) or each record's customer through the join: the
    same records each way."""
    probe, records, wide = request.param
    with (
        mock.patch.object(search, "PROBE", probe),
        mock.patch.object(search, "RECORDS", records),
        mock.patch.object(search, "WIDE", wide),
    ):
        yield


def test_a_list_that_names_its_customer_finds_its_name_or_its_customers(cast, limits):
    """The opportunity list's search (``search.named``): by the opportunity's name or its
    customer's, read by the ids each side's index gives (PostgreSQL) or along the list's order (a
    part in ``PROBE`` names or more, a short part, SQLite); the same records either way."""
    from salescore.pipeline.models import Opportunity
    from salescore.pipeline.selectors import opportunity_list
    from salescore.pipeline.tests.factories import make_customer, make_opportunity

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    port = make_customer(cast.rep_a, name="宁波港务集团有限公司")
    for customer, name in (
        (haian, "海岸二期扩产"),
        (haian, "ERP 升级"),
        (port, "码头设备采购"),
        (port, "海岸线监测"),
    ):
        make_opportunity(cast.rep_a, customer, with_contact=False, name=name)
    director = cast.director.user

    def expected(part: str) -> set[int]:
        part = part.lower()
        rows = Opportunity.objects.select_related("customer")
        return {o.pk for o in rows if part in o.name.lower() or part in o.customer.name.lower()}

    for part in (
        "海岸",
        "二期",
        "eR",
        "港务",
        "无此",
        "海岸机械",
        "海岸二期",
        "港务集团",
        "erp 升",
        "设备采购",
        "有限公司",
        "没有这个",
    ):
        found = set(opportunity_list(user=director, q=part).values_list("pk", flat=True))
        assert found == expected(part), part
    assert set(opportunity_list(user=cast.rep_b.user, q="海岸机械").values_list("pk", flat=True)) == set()
    # the rep who owns them finds them, and no longer a soft-deleted one
    mine = set(opportunity_list(user=cast.rep_a.user, q="海岸").values_list("pk", flat=True))
    assert mine == expected("海岸")
    gone = Opportunity.objects.get(name="海岸线监测")
    Opportunity.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    assert set(opportunity_list(user=cast.rep_a.user, q="海岸").values_list("pk", flat=True)) == mine - {
        gone.pk
    }


@pytest.mark.parametrize("cap", [1, 2, 3, 100])
def test_a_searched_list_counts_its_matches_up_to_the_search_cap(cast, limits, cap):
    """A search is counted up to ``SEARCH_COUNT_CAP`` (``core.pagination.searched``). When the
    customers found are many, the records of the first of them (``named``'s sample) are counted
    first, and past the cap they settle it; else the two sides (own text, customer) are counted
    by their indexes, for every part of a rep's scope. Either way the count is the true one up to
    the cap, and the cap with "more" past it, for the director and for the reps."""
    from salescore.core import pagination
    from salescore.pipeline.models import Opportunity
    from salescore.pipeline.selectors import opportunity_list
    from salescore.pipeline.tests.factories import make_customer, make_opportunity

    for n in range(3):
        customer = make_customer(cast.rep_a, name=f"温州计数阀门{n}有限公司")
        for m in range(n + 1):
            make_opportunity(cast.rep_a, customer, with_contact=False, name=f"阀门项目{n}-{m}")
    director = cast.director.user
    other = make_customer(cast.rep_b, name="温州计数阀门另一家有限公司")
    make_opportunity(cast.rep_b, other, with_contact=False, name="阀门项目9")
    rows = Opportunity.objects.select_related("customer")

    with mock.patch.object(pagination, "SEARCH_COUNT_CAP", cap):
        for part in ("计数阀门", "阀门", "阀门项目1", "门2", "没有这个"):
            for member in (cast.director, cast.rep_a, cast.rep_b):
                seen = rows if member is cast.director else rows.filter(owner=member.person)
                truth = sum(1 for o in seen if part in o.name or part in o.customer.name)
                listed = opportunity_list(user=member.user, q=part)
                counted = pagination.capped_count(listed)
                assert counted == ((truth, True) if truth <= cap else (cap, False)), (part, member)
                page = pagination.paginate(listed, page_size=2)
                assert len(page.items) == min(truth, 2) and page.count_exact == (truth <= cap), part
        if connection.vendor == "postgresql" and search.PROBE == 2 and cap in (1, 100):
            # the customers found are many: the count reads their first ones' records first (any
            # two of the four, with 2 to 5 opportunities: past a cap of 1, short of 100)
            assert search.named(Opportunity.objects.all(), "计数阀门").sample is not None
            listed = opportunity_list(user=director, q="计数阀门")  # named's own query
            with CaptureQueriesContext(connection) as counted:
                pagination.capped_count(listed)
            assert len(counted) == (1 if cap == 1 else 2)  # the sample settles it, or the sides are counted
            # the sample is a probe along the customer index, read without parallel workers
            assert counted.captured_queries[0]["sql"].startswith(
                "SET LOCAL max_parallel_workers_per_gather = 0;"
            )


def test_the_order_list_finds_its_number_po_or_customer(cast, limits):
    from salescore.orders.models import Order
    from salescore.orders.selectors import orders_for
    from salescore.orders.tests.factories import make_order, submitted_order
    from salescore.pipeline.tests.factories import make_customer

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司", address="杭州市滨江区1号")
    port = make_customer(cast.rep_a, name="宁波港务集团有限公司", address="宁波市北仑区2号")
    submitted_order(cast.rep_a, customer=haian, customer_po="PO-HA-7731")
    make_order(cast.rep_a, customer=port, customer_po="NB/2026/0042")
    submitted_order(cast.rep_a, customer=port)
    director = cast.director.user

    def expected(part: str) -> set[int]:
        part = part.lower()
        texts = Order.objects.values_list("pk", "number", "customer_po", "customer__name")
        return {pk for pk, *words in texts if any(part in (w or "").lower() for w in words)}

    year = str(Order.objects.exclude(number=None).first().number)[3:7]
    for part in (
        "海岸机械",
        "港务",
        "po-ha",
        "Po",
        "42",
        "/2",
        "2026/00",
        f"SO-{year}",
        "有限公司",
        "没有这个",
        "无此",
    ):
        found = set(orders_for(director, q=part).values_list("pk", flat=True))
        assert found == expected(part), part
    assert set(orders_for(cast.rep_b.user, q="海岸机械").values_list("pk", flat=True)) == set()


def test_the_activities_find_their_subject_or_customer(cast, limits):
    from salescore.pipeline import services as pipeline_services
    from salescore.pipeline.models import Activity
    from salescore.pipeline.selectors import activity_list
    from salescore.pipeline.tests.factories import make_customer

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    port = make_customer(cast.rep_a, name="宁波港务集团有限公司")
    for customer, subject in ((haian, "海岸二期报价回访"), (port, "码头设备演示"), (port, "电话回访")):
        pipeline_services.activity_log(
            actor=cast.rep_a.user, customer=customer, channel="phone", subject=subject
        )
    director = cast.director.user

    def expected(part: str) -> set[int]:
        part = part.lower()
        texts = Activity.objects.values_list("pk", "subject", "customer__name")
        return {pk for pk, *words in texts if any(part in w.lower() for w in words)}

    for part in ("海岸机械", "港务", "回访", "演示", "设备演示", "有限公司", "没有这个", "无此"):
        found = set(activity_list(user=director, q=part).values_list("pk", flat=True))
        assert found == expected(part), part
    assert set(activity_list(user=cast.rep_b.user, q="海岸机械").values_list("pk", flat=True)) == set()


def test_the_contacts_find_their_name_or_their_customers(cast, limits):
    """The contact list's search (``search.named`` over the contact's name): a person's name is
    often two characters, read from the bigram index on PostgreSQL."""
    from salescore.customers.models import Contact
    from salescore.pipeline.tests.factories import make_customer

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    port = make_customer(cast.rep_a, name="宁波港务集团有限公司")
    for customer, name in ((haian, "张伟"), (haian, "李海"), (port, "王芳"), (port, "Zhang Wei")):
        services.contact_create(actor=cast.rep_a.user, customer=customer, name=name)
    director = cast.director.user

    def expected(part: str) -> set[int]:
        part = part.lower()
        texts = Contact.objects.values_list("pk", "name", "customer__name")
        return {pk for pk, *words in texts if any(part in w.lower() for w in words)}

    from salescore.core.pagination import capped_count

    for part in ("张伟", "海", "李海", "海岸", "港务集团", "zh", "ZHANG W", "有限公司", "无此"):
        listed = selectors.contact_list(user=director, q=part)
        found = set(listed.values_list("pk", flat=True))
        assert found == expected(part), part
        assert capped_count(listed) == (len(found), True), part  # by the search's sides, where it has them
    assert set(selectors.contact_list(user=cast.rep_b.user, q="张伟").values_list("pk", flat=True)) == set()
    # a mobile number is a side of its own beside the name's: the contact with that mobile is
    # counted with those whose customer's name holds the digits
    mobile = services.contact_create(actor=cast.rep_a.user, customer=port, name="赵六", mobile="13800138000")
    for n in range(3):
        depot = make_customer(cast.rep_a, name=f"13800138000号{n}仓储有限公司")
        services.contact_create(actor=cast.rep_a.user, customer=depot, name=f"仓管{n}")
    listed = selectors.contact_list(user=director, q="13800138000")
    found = set(listed.values_list("pk", flat=True))
    assert found == expected("13800138000") | {mobile.pk} and len(found) == 4
    assert capped_count(listed) == (4, True)


def test_the_quotes_and_tickets_find_their_own_text_or_their_customers(cast, limits):
    from salescore.orders.models import Quote
    from salescore.orders.selectors import quotes_for
    from salescore.orders.tests.factories import make_quote
    from salescore.pipeline.tests.factories import make_customer
    from salescore.service.models import Ticket
    from salescore.service.selectors import tickets_for
    from salescore.service.tests.factories import make_ticket

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    port = make_customer(cast.rep_a, name="宁波港务集团有限公司")
    make_quote(cast.rep_a, customer=haian)
    make_quote(cast.rep_a, customer=port)
    make_ticket(cast.rep_a, customer=haian, subject="主轴异响")
    make_ticket(cast.rep_a, customer=port, subject="港口吊机报警")
    director = cast.director.user

    def expected(model, part: str, *columns) -> set[int]:
        part = part.lower()
        texts = model.objects.values_list("pk", *columns, "customer__name")
        return {pk for pk, *words in texts if any(part in (w or "").lower() for w in words)}

    quote_number = Quote.objects.first().number
    ticket_number = Ticket.objects.first().number
    parts = ("海岸", "港务", "港口", "异响", "主轴异响", "有限公司", "无此", quote_number, ticket_number)
    parts += (quote_number[:2].lower(), ticket_number[-2:], quote_number[2:6])
    for part in parts:
        quotes = set(quotes_for(director, q=part).values_list("pk", flat=True))
        assert quotes == expected(Quote, part, "number"), part
        tickets = set(tickets_for(user=director, q=part).values_list("pk", flat=True))
        assert tickets == expected(Ticket, part, "number", "subject"), part
    assert set(tickets_for(user=cast.rep_b.user, q="海岸").values_list("pk", flat=True)) == set()


def test_a_rep_finds_the_activities_and_contacts_of_their_own_pool_and_shared_customers(cast, limits):
    """The activities and the contacts are scoped by their customer: their search reads the
    customers named within the user's scope of customers (``named``'s ``within``). A rep finds
    those of their own customers, the pool's and the ones shared with them, never a colleague's,
    whichever way the search is read; the count agrees."""
    from salescore.core.pagination import capped_count, paginate
    from salescore.core.permissions import scope_queryset
    from salescore.core.services import record_share
    from salescore.customers.models import Contact
    from salescore.pipeline import services as pipeline_services
    from salescore.pipeline.models import Activity
    from salescore.pipeline.selectors import activity_list
    from salescore.pipeline.tests.factories import make_customer

    own = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    pooled = make_customer(cast.rep_a, name="海岸物流（宁波）有限公司")
    shared = make_customer(cast.rep_b, name="海岸科技有限公司")
    hidden = make_customer(cast.rep_b, name="海岸建材有限公司")
    for member, customer in (
        (cast.rep_a, own),
        (cast.rep_a, pooled),
        (cast.rep_b, shared),
        (cast.rep_b, hidden),
    ):
        for subject in ("上门拜访", "海岸项目回访"):
            pipeline_services.activity_log(
                actor=member.user, customer=customer, channel="visit", subject=subject
            )
        services.contact_create(actor=member.user, customer=customer, name=f"{customer.name[:2]}联系人")
    services.contact_create(actor=cast.rep_b.user, customer=hidden, name="王海岸")
    services.customer_release(actor=cast.rep_a.user, customer=pooled, reason="other")
    record_share(actor=cast.rep_b.user, record=shared, person=cast.rep_a.person)

    def truth(model, user, part: str, own_field: str) -> set[int]:
        rows = scope_queryset(model.objects.all(), user).select_related("customer")
        return {
            row.pk
            for row in rows
            if part in getattr(row, own_field) or part in row.customer.name
            if model is not Contact or row.customer.deleted_at is None
        }

    rep = cast.rep_a.user
    for part in ("海岸", "海岸科技", "物流（", "回访", "海岸项目", "王海岸", "没有这个"):
        listed = activity_list(user=rep, q=part)
        expected = truth(Activity, rep, part, "subject")
        assert set(listed.values_list("pk", flat=True)) == expected, part
        assert capped_count(listed) == (len(expected), True), part
        assert {a.pk for a in paginate(listed, page_size=100).items} == expected, part
        contacts = selectors.contact_list(user=rep, q=part)
        expected = truth(Contact, rep, part, "name")
        assert set(contacts.values_list("pk", flat=True)) == expected, part
        assert capped_count(contacts) == (len(expected), True), part
    # the rep's own, the pool's and the shared customer's two activities each; a contact each
    found = activity_list(user=rep, q="海岸").values_list("customer_id", flat=True)
    assert sorted(found) == sorted([own.pk, own.pk, pooled.pk, pooled.pk, shared.pk, shared.pk])
    assert selectors.contact_list(user=rep, q="海岸").count() == 3
    # the colleague's own customer stays out, by its name or its contact's
    assert not activity_list(user=rep, q="海岸建材").exists()
    assert not selectors.contact_list(user=rep, q="王海岸").exists()
    assert selectors.contact_list(user=cast.rep_b.user, q="王海岸").count() == 1


def test_a_reps_search_reads_the_names_among_the_customers_of_their_records(cast, limits):
    """A rep's opportunities and orders: when a part is in many names, the names read are those of
    the customers of the rep's records, read along the scope's indexes (``_customers_of``); a
    manager's are left to the list's own ways. A record the rep sees on a colleague's customer
    (their own opportunity there, one shared with them) is found; a colleague's record is not;
    the count and the page agree."""
    from salescore.core.pagination import capped_count, paginate
    from salescore.core.permissions import scope_queryset
    from salescore.core.services import record_share
    from salescore.orders.models import Order
    from salescore.orders.selectors import orders_for
    from salescore.orders.tests.factories import make_order
    from salescore.pipeline.models import Opportunity
    from salescore.pipeline.selectors import opportunity_list
    from salescore.pipeline.tests.factories import make_customer, make_opportunity

    mine = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    theirs = make_customer(cast.rep_b, name="宁波海岸港务有限公司")
    other = make_customer(cast.rep_b, name="温州海岸阀门有限公司")
    make_opportunity(cast.rep_a, mine, with_contact=False, name="扩产项目")
    # the rep's, on a colleague's customer (handed over to the rep)
    handed = make_opportunity(cast.rep_b, theirs, with_contact=False, name="海岸线监测")
    Opportunity.all_objects.filter(pk=handed.pk).update(owner=cast.rep_a.person)
    shown = make_opportunity(cast.rep_b, other, with_contact=False, name="阀门改造")
    make_opportunity(cast.rep_b, other, with_contact=False, name="海岸二期")  # a colleague's: never
    record_share(actor=cast.rep_b.user, record=shown, person=cast.rep_a.person)
    make_order(cast.rep_a, customer=mine, customer_po="HA-001")
    Order.all_objects.filter(pk=make_order(cast.rep_b, customer=theirs).pk).update(owner=cast.rep_a.person)
    make_order(cast.rep_b, customer=other)
    rep = cast.rep_a.user

    def truth(model, part: str, own: tuple[str, ...]) -> set[int]:
        rows = scope_queryset(model.objects.all(), rep).select_related("customer")
        texts = lambda row: [getattr(row, name) or "" for name in own] + [row.customer.name]  # noqa: E731
        return {row.pk for row in rows if any(part.lower() in text.lower() for text in texts(row))}

    for part in ("海岸", "海岸机械", "港务", "阀门", "监测", "ha-0", "没有这个"):
        for model, listed, own in (
            (Opportunity, opportunity_list(user=rep, q=part), ("name",)),
            (Order, orders_for(rep, q=part), ("number", "customer_po")),
        ):
            expected = truth(model, part, own)
            assert set(listed.values_list("pk", flat=True)) == expected, (model, part)
            assert capped_count(listed) == (len(expected), True), (model, part)
            assert {row.pk for row in paginate(listed, page_size=100).items} == expected, (model, part)
    # their own, the one on a colleague's customer, the one shared; not the colleague's own
    found = set(opportunity_list(user=rep, q="海岸").values_list("name", flat=True))
    assert found == {"扩产项目", "海岸线监测", "阀门改造"}
    if connection.vendor == "postgresql" and search.PROBE == 2:
        # a part in many names (here two): the rep's reads the names among their customers'
        with CaptureQueriesContext(connection) as seen:
            search.named(opportunity_list(user=rep), "海岸")
        read = [q["sql"] for q in seen.captured_queries if "SELECT customer_id FROM (" in q["sql"]]
        assert len(read) == 1
    assert search._customers_of(opportunity_list(user=rep)) is not None
    assert search._customers_of(orders_for(rep)) is not None
    for wider in (cast.director, cast.lead_a, cast.head):
        assert search._customers_of(opportunity_list(user=wider.user)) is None, wider


def test_a_search_found_by_its_ids_is_counted_by_their_keys(cast):
    """When a search's matches are a few ids (``Found.few``), the count reads them by their keys,
    testing the scope on each, not scope part by scope part."""
    from salescore.core import pagination
    from salescore.pipeline import services as pipeline_services
    from salescore.pipeline.selectors import activity_list
    from salescore.pipeline.tests.factories import make_customer

    haian = make_customer(cast.rep_a, name="杭州海岸机械有限公司")
    for subject in ("上门拜访", "电话回访", "海岸项目演示"):
        pipeline_services.activity_log(
            actor=cast.rep_a.user, customer=haian, channel="visit", subject=subject
        )
    listed = activity_list(user=cast.rep_a.user, q="海岸")
    few = pagination._search(listed)[1].few
    assert few == (connection.vendor == "postgresql")  # SQLite tests the names as the list walks
    with CaptureQueriesContext(connection) as seen:
        assert pagination.capped_count(listed) == (3, True)
    assert len(seen.captured_queries) == 1
    assert ("WITH piece0" in seen.captured_queries[0]["sql"]) != few


def test_a_probe_reads_without_parallel_workers_and_the_same_rows(cast, book):
    """The probes of a search (``_few``, ``_reach``) read their rows on PostgreSQL with parallel
    workers off for that statement (``_serially``); the rows are the plain query's."""
    rows = Customer.objects.filter(name__icontains="海岸").order_by("pk").values_list("pk", "name")
    with CaptureQueriesContext(connection) as seen:
        read = search._serially(rows)
    assert [tuple(row) for row in read] == list(rows) and len(read) == 3
    assert len(seen.captured_queries) == 1
    sql = seen.captured_queries[0]["sql"]
    assert sql.startswith("SET LOCAL max_parallel_workers_per_gather = 0;") == (
        connection.vendor == "postgresql"
    )
