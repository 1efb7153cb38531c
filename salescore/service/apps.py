from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "salescore.service"
    label = "service"
    verbose_name = _("After-sales service")

    def ready(self) -> None:
        from salescore.service import (
            merge,  # noqa: F401  (tickets, visits and ratings follow a customer merge)
            queues,  # noqa: F401  (menu, queues, recycle bin)
            timeline,  # noqa: F401  (tickets on the customer's timeline)
        )
