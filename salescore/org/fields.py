"""Form fields that pick a person, an organisation unit or a region: the one definition every form
uses. Their selects list a few hundred options on every list page's filter bar; the options are
read as the columns their labels need (``values_list``), not as model instances with their related
unit, which was about a third of a list page's time at 100,000 customers. Labels are those of the
instances (``label_from_instance``, used where a form names its chosen value), in the request's
language."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import get_language

INDENT = "\u2003"  # an em space per level below the top of a tree


def english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


def bilingual(name: str, name_en: str, in_english: bool | None = None) -> str:
    """A bilingual name as ``BilingualNameMixin.display_name`` gives it; ``in_english``, when
    known, saves looking the language up again (a select of 250 people labels 500 names)."""
    if (english() if in_english is None else in_english) and name_en:
        return name_en
    return name


class _ColumnChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label, in_english = self.field.label_from_columns, english()
        for pk, *columns in self.queryset.values_list("pk", *self.field.label_columns):
            yield ModelChoiceIteratorValue(pk, None), label(*columns, in_english=in_english)


class PersonChoiceField(forms.ModelChoiceField):
    """People named with their unit, so two people of one name can be told apart."""

    iterator = _ColumnChoices
    label_columns = ("name", "name_en", "org_unit__name", "org_unit__name_en")

    def label_from_columns(self, name, name_en, unit, unit_en, in_english=None) -> str:
        return f"{bilingual(name, name_en, in_english)} · {bilingual(unit or '', unit_en or '', in_english)}"

    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} · {obj.org_unit.display_name}"


class TreeChoiceField(forms.ModelChoiceField):
    """Units or regions indented by their depth in the tree (list them ordered by path)."""

    iterator = _ColumnChoices
    label_columns = ("depth", "name", "name_en")

    def label_from_columns(self, depth, name, name_en, in_english=None) -> str:
        return INDENT * max(depth - 1, 0) + bilingual(name, name_en, in_english)

    def label_from_instance(self, obj) -> str:
        return INDENT * max(obj.depth - 1, 0) + obj.display_name
