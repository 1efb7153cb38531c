from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "salescore.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from salescore.org import queues  # noqa: F401  (registers the work queues)
