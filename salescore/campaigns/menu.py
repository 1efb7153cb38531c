"""Campaigns in the menu (for everyone who sells) and in the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.campaigns import services
from salescore.campaigns.models import Campaign
from salescore.core.navigation import MenuEntry, register_menu
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash

register_menu(
    MenuEntry("campaigns", _("Campaigns"), "campaigns:list", Cap.CAMPAIGNS_VIEW, icon="megaphone", order=4)
)
register_trash(Campaign, restore=services.campaign_restore)
