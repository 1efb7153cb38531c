from django import template

from salescore.customers.models import Industry

register = template.Library()


@register.filter
def industry_label(code: str) -> str:
    """A segment's industry in today's language (targets and market sizes store the code)."""
    if not code:
        return ""
    return str(Industry(code).label) if code in Industry.values else code
