"""``{% lead_private lead as view %}``: the lead as the current user may see it (masked or not),
so every lead page shows contact data through the one rule (leads.selectors.lead_view)."""

from __future__ import annotations

from django import template

from salescore.leads.selectors import lead_view

register = template.Library()


@register.simple_tag(takes_context=True)
def lead_private(context, lead):
    return lead_view(user=context["request"].user, lead=lead)
