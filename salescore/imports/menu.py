"""Import in the menu: everyone who may register leads may import them."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, register_menu
from salescore.core.permissions import Cap

register_menu(MenuEntry("imports", _("Import"), "imports:list", Cap.LEADS_CREATE, icon="upload", order=90))
