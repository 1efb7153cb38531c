"""The order stage's extra entry criterion: the customer accepted a quote (R3.1 with R3.6).
Registered into the pipeline's criteria, so the one stage-moving service checks it."""

from django.utils.translation import gettext_lazy as _

from salescore.pipeline.gates import GATES, Gate


def _quote_accepted(opportunity) -> bool:
    from salescore.orders.models import Quote

    return Quote.objects.filter(opportunity=opportunity, status=Quote.Status.ACCEPTED).exists()


GATES.setdefault(
    "quote_accepted", Gate("quote_accepted", _("the customer accepted a quote"), _quote_accepted)
)
