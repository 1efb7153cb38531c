"""The catalogue in the menu and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.catalog import services
from salescore.catalog.models import Category, Product
from salescore.core.navigation import MenuEntry, register_menu
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash

register_menu(
    MenuEntry("products", _("Products"), "catalog:products", Cap.ORG_VIEW, icon="box-seam", order=8)
)
register_trash(Category, restore=services.category_restore, capability=Cap.PROCESS_CONFIGURE)
register_trash(Product, restore=services.product_restore, capability=Cap.PROCESS_CONFIGURE)
