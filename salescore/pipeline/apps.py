from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "salescore.pipeline"
    label = "pipeline"
    verbose_name = _("Sales process")

    def ready(self) -> None:
        from salescore.pipeline import queues  # noqa: F401  (menu, queues, recycle bin)
