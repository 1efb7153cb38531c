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


# The checks read the opportunity's related rows through its relations, so the page that loaded
# them with the opportunity (selectors.opportunity_page_get_for_user) is answered without a query,
# and the service that moves stages, holding a freshly locked row, asks the database.


def _has_contact(opportunity) -> bool:
    return any(contact.deleted_at is None for contact in opportunity.contacts.all())


def _needs_recorded(opportunity) -> bool:
    from salescore.pipeline.selectors import needs_for

    needs = needs_for(opportunity, with_features=False)
    return needs is not None and needs.needs != ""


def _products_proposed(opportunity) -> bool:
    return bool(opportunity.products.all())


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
