from __future__ import annotations

from decimal import Decimal

from django import forms, template
from django.utils.html import format_html

from salescore.core.money import Money

register = template.Library()


@register.filter
def bs(field):
    """Render a bound form field's widget with Bootstrap classes (and is-invalid on error)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css, "aria-label": str(field.label or field.name)}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def money(value, currency="CNY"):
    """{{ amount|money }} or {{ amount|money:obj.currency }}, formatted for the active language."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Money):
        return value.format()
    return Money(Decimal(str(value)), currency or "CNY").format()


@register.simple_tag
def sort_link(label, key, current):
    arrow = " ▲" if current == key else ""
    return format_html('<span data-sort="{}">{}{}</span>', key, label, arrow)
