from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "salescore.campaigns"
    label = "campaigns"
    verbose_name = _("Marketing campaigns")

    def ready(self) -> None:
        from salescore.campaigns import menu  # noqa: F401  (menu and recycle bin)
