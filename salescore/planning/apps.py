from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "salescore.planning"
    label = "planning"
    verbose_name = _("Targets and plans")

    def ready(self) -> None:
        from salescore.planning import queues  # noqa: F401  (menu, queues, recycle bin)
