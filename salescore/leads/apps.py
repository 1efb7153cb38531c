from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "salescore.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from salescore.leads import (
            importers,  # noqa: F401  (rows from a file: salescore.imports)
            queues,  # noqa: F401  (menu, queues, recycle bin)
        )
