"""Customers in the menu and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, register_menu
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.customers import services
from salescore.customers.models import Contact, Customer

register_menu(
    MenuEntry("customers", _("Customers"), "customers:list", Cap.ORG_VIEW, icon="building", order=5)
)
register_menu(
    MenuEntry("customer_pool", _("Public pool"), "customers:pool", Cap.PIPELINE_WORK, icon="water", order=6)
)
register_trash(Customer, restore=services.customer_restore)
register_trash(Contact, restore=services.contact_restore)
