"""Entry criteria of the stages (R3.1). A stage lists gate keys in Stage.entry_gates; moving an
opportunity into it checks each, in the one service that moves stages, for pages, board and API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Gate:
    key: str
    label: str  # the criterion, as a person reads it
    check: Callable  # check(opportunity) -> bool


def _has_contact(opportunity) -> bool:
    return opportunity.contacts.filter(deleted_at__isnull=True).exists()


def _needs_recorded(opportunity) -> bool:
    from salescore.pipeline.models import NeedsAnalysis

    return NeedsAnalysis.objects.filter(opportunity=opportunity).exclude(needs="").exists()


def _products_proposed(opportunity) -> bool:
    from salescore.pipeline.models import OpportunityProduct

    return OpportunityProduct.objects.filter(opportunity=opportunity).exists()


def _amount_set(opportunity) -> bool:
    return opportunity.amount is not None and opportunity.amount > 0


def _close_date_set(opportunity) -> bool:
    return opportunity.expected_close_date is not None


GATES: dict[str, Gate] = {
    gate.key: gate
    for gate in (
        Gate("has_contact", _("a contact person of the customer is linked"), _has_contact),
        Gate("needs_recorded", _("the needs analysis is recorded"), _needs_recorded),
        Gate("products_proposed", _("at least one product is recommended"), _products_proposed),
        Gate("amount_set", _("the amount is set"), _amount_set),
        Gate("close_date_set", _("the expected close date is set"), _close_date_set),
    )
}


def missing_criteria(opportunity, stage) -> list[Gate]:
    """The entry criteria of ``stage`` this opportunity does not meet yet."""
    return [GATES[key] for key in stage.entry_gates if key in GATES and not GATES[key].check(opportunity)]
