from django import template

from salescore.customers.models import Industry

register = template.Library()


@register.filter
def industry_label(code: str) -> str:
    """A segment's industry in today's language (targets and market sizes store the code)."""
    if not code:
        return ""
    return str(Industry(code).label) if code in Industry.values else code


@register.filter
def target_figure(value, target) -> str:
    """{{ value|target_figure:target }}: a target's figure as the target tables write it
    (planning.rows.figure, the one definition)."""
    from salescore.planning.rows import figure

    return figure(value, target)
