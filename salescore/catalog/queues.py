"""The catalogue and its price lists in the menu and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.catalog import services
from salescore.catalog.models import Category, PriceList, Product
from salescore.core.navigation import MenuEntry, register_menu
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash

register_menu(
    MenuEntry("products", _("Products"), "catalog:products", Cap.ORG_VIEW, icon="box-seam", order=8)
)
# Next to the catalogue, for everyone who prices quotes or orders.
register_menu(
    MenuEntry(
        "price_lists",
        _("Price lists"),
        "catalog:price_lists",
        services.PRICE_LIST_READERS,
        icon="tags",
        order=8,
    )
)
register_trash(Category, restore=services.category_restore, capability=Cap.PROCESS_CONFIGURE)
register_trash(Product, restore=services.product_restore, capability=Cap.PROCESS_CONFIGURE)
register_trash(PriceList, restore=services.price_list_restore, capability=Cap.PROCESS_CONFIGURE)
