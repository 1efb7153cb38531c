from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "salescore.imports"
    label = "imports"
    verbose_name = _("Import")

    def ready(self) -> None:
        from salescore.imports import menu  # noqa: F401  (menu entry)
