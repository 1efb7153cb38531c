"""AnyOf with a list of values: the same rows as ``__in``, one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from salescore.core.permissions import AnyOf
from salescore.org.models import Person

pytestmark = pytest.mark.django_db


def test_a_list_of_values_matches_as_in_does(cast):
    names = [cast.rep_a.person.name, cast.rep_b.person.name, "nobody"]
    expected = set(Person.objects.filter(name__in=names).values_list("pk", flat=True))
    assert len(expected) == 2
    for values in (names, tuple(names), set(names)):
        assert set(Person.objects.filter(AnyOf(F("name"), values)).values_list("pk", flat=True)) == expected
    wanted = [f"{cast.rep_a.person.name}x".upper()]
    Person.objects.filter(pk=cast.rep_a.person.pk).update(name=f"{cast.rep_a.person.name}x")
    upper = Person.objects.annotate(up=Upper("name")).filter(AnyOf(F("up"), wanted))
    assert list(upper.values_list("pk", flat=True)) == [cast.rep_a.person.pk]
    assert not Person.objects.filter(AnyOf(F("name"), [])).exists()


def test_on_postgresql_the_list_is_one_parameter(cast):
    names = [f"name {i}" for i in range(500)]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(AnyOf(F("name"), names)))
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count('"name ') == 500  # one array literal, bound client-side
    else:
        assert " IN (" in sql


def test_values_the_field_would_convert_are_converted(cast):
    """Texts for a text column go as they are; anything else through the field's conversion (a
    lazy translation, numbers as text for a key), as ``__in`` would."""
    from django.utils.functional import lazy

    lazy_name = lazy(lambda: cast.rep_a.person.name, str)()
    found = Person.objects.filter(AnyOf(F("name"), [lazy_name, "nobody"])).values_list("pk", flat=True)
    assert list(found) == [cast.rep_a.person.pk]
    by_key = Person.objects.filter(AnyOf(F("pk"), [str(cast.rep_b.person.pk)])).values_list("pk", flat=True)
    assert list(by_key) == [cast.rep_b.person.pk]
