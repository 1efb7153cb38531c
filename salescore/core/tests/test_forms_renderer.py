"""Select boxes written in Python are exactly what Django's templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from salescore.core.forms_renderer import Renderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲 & <乙>"), (1, 'say "hi"')], required=False)
    grouped = forms.ChoiceField(
        choices=[("东部", [("sh", "上海"), ("hz", "杭州")]), ("西部", [("cd", "成都")]), ("x", "其他")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二"), ("3", "三")], required=False)
    flagged = forms.ChoiceField(
        choices=[("y", "Yes"), ("n", "No")],
        widget=forms.Select(
            attrs={"class": "form-select", "disabled": True, "data-x": False, "aria-label": "<b>"}
        ),
    )


@pytest.mark.parametrize("data", [{}, {"plain": "a", "grouped": "hz", "many": ["1", "3"], "flagged": "n"}])
def test_selects_are_written_as_the_templates_write_them(data):
    form = Sample(data or None, initial={"plain": 1})
    for name in form.fields:
        ours = (
            form[name].as_widget(renderer=Renderer())
            if False
            else form.fields[name].widget.render(
                name, form[name].value(), attrs={"id": f"id_{name}"}, renderer=Renderer()
            )
        )
        theirs = form.fields[name].widget.render(
            name, form[name].value(), attrs={"id": f"id_{name}"}, renderer=DjangoTemplates()
        )
        assert ours == theirs, name


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), Renderer)
