from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "salescore.catalog"
    label = "catalog"
    verbose_name = _("Product catalogue")

    def ready(self) -> None:
        from salescore.catalog import queues  # noqa: F401  (menu and recycle bin)
