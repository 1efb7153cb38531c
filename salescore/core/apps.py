from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salescore.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from salescore.core.navigation import MenuEntry, register_menu
        from salescore.core.permissions import Cap

        register_menu(
            MenuEntry(
                "audit", _("Audit log"), "core:audit_log", Cap.AUDIT_VIEW_ALL, icon="journal-text", order=900
            )
        )
        register_menu(
            MenuEntry("trash", _("Recycle bin"), "core:trash", Cap.RECORDS_RESTORE, icon="trash", order=910)
        )
