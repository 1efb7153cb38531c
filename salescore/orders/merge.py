"""How quotes and orders follow a customer merge (customers.merge): they move to the survivor,
each with its own audit row."""

from __future__ import annotations

from salescore.core.services import bulk_reassign
from salescore.customers.merge import register_merge_mover


def _move(model_name: str):
    def mover(*, actor, source, target) -> int:
        from salescore.orders import models

        model = getattr(models, model_name)
        return bulk_reassign(
            queryset=model.all_objects.filter(customer=source), field="customer", to=target, actor=actor
        )

    return mover


register_merge_mover("orders.quote", "customer", _move("Quote"))
register_merge_mover("orders.order", "customer", _move("Order"))
