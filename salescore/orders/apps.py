from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "salescore.orders"
    verbose_name = _("Quotes and orders")

    def ready(self) -> None:
        from salescore.orders import (
            gates,  # noqa: F401  (registers the pipeline entry criterion)
            merge,  # noqa: F401  (quotes and orders follow a customer merge)
            queues,  # noqa: F401  (menu, queues, recycle bin)
            timeline,  # noqa: F401  (orders on the customer's and opportunity's timeline)
        )
