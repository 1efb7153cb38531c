"""The person, unit and region pickers read their options as columns: the labels are those of the
instances in both languages, in one query whatever the number of options."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salescore.org.fields import PersonChoiceField, TreeChoiceField
from salescore.org.models import OrgUnit, Person, Region

pytestmark = pytest.mark.django_db


class Picker(forms.Form):
    person = PersonChoiceField(queryset=Person.objects.select_related("org_unit").order_by("name", "pk"))
    unit = TreeChoiceField(queryset=OrgUnit.objects.order_by("path"), required=False, empty_label="-")
    region = TreeChoiceField(queryset=Region.objects.order_by("path"), required=False)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_options_are_labelled_as_the_instances(cast, language):
    form = Picker()
    with translation.override(language):
        for name, model in (("person", Person), ("unit", OrgUnit), ("region", Region)):
            field = form.fields[name]
            instances = {obj.pk: field.label_from_instance(obj) for obj in field.queryset}
            options = [(value, label) for value, label in field.choices if value != ""]
            assert len(options) == len(instances) == field.queryset.count() > 0, model
            assert {value.value: label for value, label in options} == instances, model
    labels = {v.value if v else v: label for v, label in form.fields["person"].choices}
    assert labels[cast.rep_a.person.pk].startswith(cast.rep_a.person.name)  # zh-hans is the default


def test_a_select_of_every_option_is_one_query_and_no_instances(cast, monkeypatch):
    def built(*args, **kwargs):
        raise AssertionError("an option was read as a model instance")

    monkeypatch.setattr(Person, "from_db", built)
    with CaptureQueriesContext(connection) as queries:
        html = Picker()["person"].as_widget()
    assert len(queries) == 1
    assert html.count("<option") == Person.objects.count() + 1  # and the empty choice
    assert f"{cast.rep_b.person.name} · {cast.team_b.name}</option>" in html


def test_the_chosen_value_is_still_an_instance(cast):
    form = Picker(data={"person": cast.rep_b.person.pk, "unit": cast.team_a.pk})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["person"] == cast.rep_b.person
    assert form.cleaned_data["unit"] == cast.team_a
