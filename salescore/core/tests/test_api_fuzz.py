"""Schema-driven API fuzzing: every operation of /api/v1/openapi.json gets a fixed, deterministic set
of hostile inputs (ids that point nowhere, wrong types, huge numbers, NUL bytes, 10,000-character
strings, impossible dates, NaN and infinite decimals, bodies that are not JSON objects).

What must hold for every answer: never a 5xx; every 4xx is JSON in the one error shape
``{"code", "message", "fields"}`` with a message the caller can read in their language (the default
language is Chinese, so an English fallback from pydantic or an untranslated string shows); and a
POST that fails writes nothing.

The operations come from the schema, so a new endpoint is fuzzed without being listed here. The
records every path points to are built once per module inside a transaction that is rolled back at
the end; each test runs in a savepoint of it, as pytest-django's ``db`` does.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client

JSON = "application/json"
BASE = "/api/v1"
RAW = "\u0001raw:"  # a JSON string holding this prefix is written as a bare number (1e309)
LONG = "长" * 10_000
HUGE = 10**30

# Hostile values by the kind of field they go into.
PATH_IDS = [987_654_321, 0, -1, 10**22, "abc"]
QUERY_VALUES = ["abc", str(10**22), "-1", "x" * 10_000, "a\x00b", "日本語🙂", "", "2026-02-30", "NaN"]
STRING_VALUES = [LONG, "a\x00b", "", "  ", 12345, ["a"], "日本語🙂\u202e"]
INT_VALUES = [-1, 0, HUGE, RAW + "1e309", "abc", 1.5, True]
NUMBER_VALUES = ["NaN", "Infinity", "-Infinity", "1e5000", -1, HUGE, RAW + "1e309", "abc", "1e-5000"]
DATE_VALUES = ["2026-02-30", "not-a-date", "", "99999-01-01", "0000-01-01", 20260101]
DATETIME_VALUES = ["2026-02-30T10:00:00", "not-a-date", "", "9999-12-31T23:59:59+14:00", 1e20]
BOOL_VALUES = ["abc", 2, "NaN"]
ENUM_VALUES = ["no-such-choice", "", 1]
ARRAY_VALUES = ["abc", [None], [HUGE], ["x" * 10_000], {"a": 1}]
OBJECT_LINE = {
    "product_id": HUGE,
    "quantity": RAW + "1e309",
    "discount": "NaN",
    "unit_price": "1e5000",
    "tax_rate": "Infinity",
    "description": LONG,
    "price": "-Infinity",
    "amount": "1e5000",
    "person_id": -1,
    "share": "NaN",
    "line_id": "abc",
}
OBJECT_ARRAY_VALUES = ["abc", [None], ["abc"], [{}], [OBJECT_LINE], [dict.fromkeys(OBJECT_LINE)]]
OBJECT_VALUES = ["abc", [1], {"x": "NaN", "y": HUGE, "z": LONG}, {"\x00": None}]
# Whole bodies, each sent as is.
WHOLE_BODIES = ["{not json", "", "[1, 2]", '"text"', "null", "1e309", "{}"]

# Messages in the default language (Chinese): a field message without a CJK character is an
# untranslated string or pydantic's own English.
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")

# What each path parameter points to, for the requests that reach the handler.
PATH_TARGETS = {
    "token_id": "accounts.ApiToken",
    "unit_id": "org.OrgUnit",
    "region_id": "org.Region",
    "person_id": "org.Person",
    "customer_id": "customers.Customer",
    "contact_id": "customers.Contact",
    "opportunity_id": "pipeline.Opportunity",
    "line_id": "pipeline.OpportunityProduct",
    "activity_id": "pipeline.Activity",
    "product_id": "catalog.Product",
    "price_list_id": "catalog.PriceList",
    "lead_id": "leads.Lead",
    "rule_id": "leads.AssignmentRule",
    "campaign_id": "campaigns.Campaign",
    "job_id": "imports.ImportJob",
    "ticket_id": "service.Ticket",
    "visit_id": "service.ReturnVisit",
    "quote_id": "orders.Quote",
    "approval_id": "orders.Approval",
    "order_id": "orders.Order",
    "shipment_id": "orders.Shipment",
    "payment_id": "orders.Payment",
    "target_id": "planning.Target",
    "revision_id": "planning.TargetRevision",
    "plan_id": "planning.Plan",
    "step_id": "planning.PlanStep",
    "report_id": "planning.ProgressReport",
    "record_id": "org.Person",
}


def _load_schema() -> dict:
    from config.api import api

    return api.get_openapi_schema(path_prefix=f"{BASE}/")


SCHEMA = _load_schema()
OPERATIONS = [(method.upper(), path) for path, ops in SCHEMA["paths"].items() for method in ops]
# The sample that runs again as a rep: every third operation.
REP_SAMPLE = set(OPERATIONS[::3])


# -- the schema ----------------------------------------------------------------------------------


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve({**schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"}})
    return schema


def kind_of(schema: dict) -> str:
    """The field's kind: string, integer, number, date, datetime, boolean, enum, array, objects, object."""
    schema = resolve(schema)
    if "anyOf" in schema:
        kinds = [kind_of(s) for s in schema["anyOf"] if resolve(s).get("type") != "null"]
        if "number" in kinds:
            return "number"  # Decimal: number | string
        return kinds[0] if kinds else "string"
    if "enum" in schema or "const" in schema:
        return "enum"
    kind = schema.get("type", "string")
    fmt = schema.get("format")
    if kind == "string" and fmt == "date":
        return "date"
    if kind == "string" and fmt == "date-time":
        return "datetime"
    if kind == "array":
        items = resolve(schema.get("items", {}))
        return "objects" if items.get("type") == "object" or "properties" in items else "array"
    return kind


def plausible(name: str, schema: dict, ids: dict) -> Any:
    """A value the schema accepts, so that one hostile field at a time reaches the handler."""
    if schema.get("default") is not None:
        return schema["default"]
    schema = resolve(schema)
    if schema.get("default") is not None:
        return schema["default"]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if resolve(s).get("type") != "null"]
        return plausible(name, options[0], ids) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = kind_of(schema)
    if kind == "integer":
        return ids.get(name, 1)
    if kind == "number":
        return "100"
    if kind == "date":
        return "2026-06-01"
    if kind == "datetime":
        return "2026-06-01T10:00:00+08:00"
    if kind == "boolean":
        return False
    if kind in ("array", "objects"):
        return []
    if kind == "object":
        return {}
    if name == "currency":
        return "CNY"
    if "email" in name:
        return "fuzz@example.com"
    return "fuzz"


def body_schema(op: dict) -> tuple[str | None, dict]:
    content = op.get("requestBody", {}).get("content", {})
    for media_type, spec in content.items():
        return media_type, resolve(spec["schema"])
    return None, {}


def raw_json(value: Any) -> str:
    """JSON text in which ``RAW``-prefixed strings are bare literals (``1e309`` overflows a float)."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r'"\\u0001raw:([^"]*)"', r"\1", text)


HOSTILE_BY_KIND = {
    "string": STRING_VALUES,
    "integer": INT_VALUES,
    "number": NUMBER_VALUES,
    "date": DATE_VALUES,
    "datetime": DATETIME_VALUES,
    "boolean": BOOL_VALUES,
    "enum": ENUM_VALUES,
    "array": ARRAY_VALUES,
    "objects": OBJECT_ARRAY_VALUES,
    "object": OBJECT_VALUES,
}
WRONG_TYPE = {
    "string": {"x": 1},
    "integer": "abc",
    "number": "abc",
    "date": 12,
    "datetime": [1],
    "boolean": "abc",
    "enum": 7,
    "array": "abc",
    "objects": 1,
    "object": "abc",
}
# Whole bodies with every field set alike: (label, value for a field of a kind or None to keep it).
EVERY_FIELD = [
    ("null", lambda kind: None),
    ("wrong type", lambda kind: WRONG_TYPE[kind]),
    ("long strings", lambda kind: LONG if kind == "string" else None),
    ("1e309", lambda kind: RAW + "1e309" if kind in ("integer", "number") else None),
    ("-1", lambda kind: -1 if kind in ("integer", "number") else None),
    ("10**30", lambda kind: HUGE if kind in ("integer", "number") else None),
    ("2026-02-30", lambda kind: "2026-02-30" if kind in ("date", "datetime") else None),
    ("not-a-date", lambda kind: "not-a-date" if kind in ("date", "datetime") else None),
    ("NaN", lambda kind: "NaN" if kind == "number" else None),
    ("Infinity", lambda kind: "Infinity" if kind == "number" else None),
    ("1e5000", lambda kind: "1e5000" if kind == "number" else None),
]


# -- the world every path points to ----------------------------------------------------------------


def _build_world() -> dict:
    from salescore.accounts.services import api_token_create
    from salescore.campaigns.tests.factories import make_campaign
    from salescore.core.testing import build_cast
    from salescore.leads.tests.factories import make_lead, make_rule
    from salescore.orders.tests.factories import make_order, make_quote
    from salescore.pipeline.tests.factories import make_contact, make_customer, make_opportunity, make_product
    from salescore.planning.tests.factories import make_plan, make_target
    from salescore.service.tests.factories import make_ticket

    cast = build_cast()
    customer = make_customer(cast.rep_a)
    make_contact(cast.rep_a, customer)
    opportunity = make_opportunity(cast.rep_a, customer)
    make_product()
    make_quote(cast.rep_a, opportunity=opportunity)
    make_order(cast.rep_a, customer=customer)
    make_lead(cast.rep_a)
    make_rule(cast.director, cast.team_a)
    make_campaign(cast.director)
    make_ticket(cast.agent, customer)
    target = make_target(cast.director, unit=cast.team_a)
    make_plan(cast.director, target)

    tokens = {}
    for name in ("director", "rep_a"):
        _token, plain = api_token_create(user=getattr(cast, name).user, name="fuzz")
        tokens[name] = plain
    ids: dict[str, Any] = {}
    for param, label in PATH_TARGETS.items():
        row = apps.get_model(label)._base_manager.order_by("pk").first()
        ids[param] = row.pk if row is not None else 1
    ids["person_id"] = cast.rep_a.pk
    ids["record_id"] = cast.rep_a.pk
    ids["customer_id"] = customer.pk
    ids["model"] = "org.person"
    ids["token"] = "no-such-token"
    # Integer fields of bodies that point to records (owner_id, assignee_id ...) point to a person.
    for name in ("owner_id", "assignee_id", "manager_id", "head_id", "to_id", "agent_id", "rep_id"):
        ids[name] = cast.rep_a.pk
    ids["org_unit_id"] = cast.team_a.pk
    ids["team_id"] = cast.team_a.pk
    ids["duplicate_id"] = customer.pk
    ids["stage_id"] = opportunity.stage_id
    return {"ids": ids, "tokens": tokens}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# -- checks ----------------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, world: dict, who: str, method: str, path: str):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][who]}")
        self.ids = world["ids"]
        self.who = who
        self.method = method
        self.path = path
        self.op = SCHEMA["paths"][path][method.lower()]
        self.params = self.op.get("parameters", [])
        self.media_type, self.body = body_schema(self.op)
        self.fields = {name: kind_of(spec) for name, spec in resolve(self.body).get("properties", {}).items()}
        self.sent = 0
        self.failures: list[str] = []
        self.half_written_checks = 0

    # building requests

    def url(self, path_values: dict | None = None, query: dict | None = None) -> str:
        values = {p["name"]: self.ids.get(p["name"], 1) for p in self.params if p["in"] == "path"}
        values.update(path_values or {})
        url = self.path
        for name, value in values.items():
            url = url.replace("{" + name + "}", str(value))
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        return url

    def baseline(self) -> dict:
        return {
            name: plausible(name, spec, self.ids)
            for name, spec in resolve(self.body).get("properties", {}).items()
        }

    def send(self, label: str, *, url: str | None = None, body: Any = None, raw: str | None = None):
        url = url or self.url()
        kwargs: dict[str, Any] = {}
        if self.media_type == JSON:
            kwargs = {"data": raw if raw is not None else raw_json(body if body is not None else {})}
            kwargs["content_type"] = JSON
        elif self.media_type is not None:  # multipart
            if raw is not None:
                kwargs = {"data": raw, "content_type": JSON}
            else:
                kwargs = {"data": body or {}}
        handler = getattr(self.client, self.method.lower())
        response = handler(url, **kwargs)
        self.sent += 1
        self.check(label, response)
        return response

    def fail(self, label: str, response, why: str) -> None:
        if len(self.failures) < 25:
            self.failures.append(
                f"{self.who} {self.method} {self.path} [{label}] -> {response.status_code}: {why}: "
                f"{response.content[:300]!r}"
            )

    def check(self, label: str, response) -> None:
        status = response.status_code
        if status >= 500:
            self.fail(label, response, "server error")
            return
        if status < 400:
            return
        if not response.get("Content-Type", "").startswith(JSON):
            self.fail(label, response, "not JSON")
            return
        try:
            body = response.json()
        except ValueError:
            self.fail(label, response, "not JSON")
            return
        if not isinstance(body, dict) or set(body) != {"code", "message", "fields"}:
            self.fail(label, response, "not the error shape")
            return
        if not (isinstance(body["code"], str) and body["code"] and isinstance(body["fields"], dict)):
            self.fail(label, response, "no code or fields")
            return
        if not (isinstance(body["message"], str) and CJK.search(body["message"])):
            self.fail(label, response, "the message is missing or untranslated")
            return
        if body["code"] == "validation_error" and not body["fields"]:
            self.fail(label, response, "a validation error naming no field")
            return
        for field, message in body["fields"].items():
            if not (isinstance(message, str) and CJK.search(message)):
                self.fail(label, response, f"field {field!r}: the message is missing or untranslated")
                return

    # the rounds

    def plain_round(self) -> None:
        """An unknown query parameter holding a NUL byte: every operation gets at least this."""
        self.send(
            "unknown query parameter", url=self.url(query={"zz_unknown": "a\x00b"}), body=self.baseline()
        )

    def path_round(self) -> None:
        body = self.baseline() if self.media_type else None
        for param in (p for p in self.params if p["in"] == "path"):
            for value in PATH_IDS:
                response = self.send(
                    f"path {param['name']}={value!r}", url=self.url({param["name"]: value}), body=body
                )
                if 200 <= response.status_code < 300:
                    self.fail(f"path {param['name']}={value!r}", response, "a record that does not exist")

    def query_round(self) -> None:
        for param in (p for p in self.params if p["in"] == "query"):
            for value in QUERY_VALUES:
                self.send(f"query {param['name']}={value[:20]!r}", url=self.url(query={param["name"]: value}))

    def whole_body_round(self) -> None:
        if self.media_type is None:
            return
        for raw in WHOLE_BODIES:
            self.send(f"body {raw!r}", raw=raw)
        if self.media_type != JSON:
            return
        base = self.baseline()
        for label, make in EVERY_FIELD:
            body = {}
            for name, kind in self.fields.items():
                value = make(kind)
                body[name] = base[name] if value is None and label != "null" else value
            self.send(f"every field {label}", body=body)

    def field_round(self) -> None:
        if self.media_type != JSON:
            return
        base = self.baseline()
        for name, kind in self.fields.items():
            for value in [None, *HOSTILE_BY_KIND[kind]]:
                label = f"field {name}={str(value)[:30]!r}"
                body = {**base, name: value}
                if self.method == "POST" and self.half_written_checks < 1:
                    before = table_counts()
                    response = self.send(label, body=body)
                    if (
                        400 <= response.status_code < 500
                        and response.json().get("code") != "validation_error"
                    ):
                        # A service refused: whatever it started must be gone.
                        self.half_written_checks += 1
                        after = table_counts()
                        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                        if changed:
                            self.fail(label, response, f"half-written: {changed}")
                else:
                    self.send(label, body=body)

    def multipart_round(self) -> None:
        if self.media_type in (None, JSON):
            return
        from django.core.files.uploadedfile import SimpleUploadedFile

        def upload(content: bytes, name: str = "fuzz.csv"):
            return SimpleUploadedFile(name, content, content_type="text/csv")

        for kind in ("no-such-kind", "", "customers"):
            for header_row in ("abc", str(10**22), "-1", "0", "1"):
                self.send(
                    f"multipart kind={kind!r} header_row={header_row}",
                    body={"kind": kind, "header_row": header_row, "file": upload(b"name\n\x00\xff\xfe")},
                )
        for content in (
            b"",
            b"\x00" * 100,
            "名称\n".encode("gb18030"),
            b"a," * 5000 + b"\n",
            b"PK\x03\x04junk",
        ):
            self.send(f"multipart file {content[:10]!r}", body={"kind": "customers", "file": upload(content)})
        self.send("multipart file.xlsx junk", body={"kind": "customers", "file": upload(b"junk", "x.xlsx")})


def table_counts() -> dict[str, int]:
    """Every table's row count in one query."""
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy)
    # Table names from the models, not from a request.
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


# -- the tests -------------------------------------------------------------------------------------


def test_the_served_schema_is_the_one_fuzzed(world, db):
    """The parametrization reads the schema at collection; the one served must hold the same operations."""
    served = Client().get(f"{BASE}/openapi.json").json()
    operations = [(m.upper(), p) for p, ops in served["paths"].items() for m in ops]
    assert sorted(operations) == sorted(OPERATIONS)
    assert len(OPERATIONS) > 150


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_survives_hostile_input(world, db, method, path):
    fuzzer = Fuzzer(world, "director", method, path)
    fuzzer.plain_round()
    fuzzer.path_round()
    fuzzer.query_round()
    fuzzer.whole_body_round()
    fuzzer.field_round()
    fuzzer.multipart_round()
    failures = fuzzer.failures
    if (method, path) in REP_SAMPLE:
        rep = Fuzzer(world, "rep_a", method, path)
        rep.path_round()
        rep.whole_body_round()
        failures += rep.failures
    assert fuzzer.sent > 0
    assert not failures, "\n".join(failures)


def test_each_component_name_describes_one_class(monkeypatch):
    """Found by this fuzzer: a customer's ``kind`` pointed to the component ``Kind`` that a report's
    Kind had overwritten (weekly/monthly), so the schema's own example values were refused."""
    from ninja.openapi.schema import OpenAPISchema

    from config.api import api

    overwritten = []
    add = OpenAPISchema.add_schema_definitions

    def checked(self, definitions):
        overwritten.extend(k for k, v in definitions.items() if k in self.schemas and self.schemas[k] != v)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", checked)
    schema = api.get_openapi_schema(path_prefix=f"{BASE}/")
    assert overwritten == []
    kind = resolve(schema["components"]["schemas"]["CustomerIn"]["properties"]["kind"])
    assert set(kind["enum"]) == {"company", "individual"}
