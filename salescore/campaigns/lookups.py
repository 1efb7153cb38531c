"""Campaign names in an import file -> campaigns (salescore.imports), loaded once per run.

A lead's file names its campaign as people write it ("2026工博会", "2026 工博会"): compared
without case, spaces or brackets. Cancelled campaigns are found too, so that the row is refused
for the right reason (leads.services: a cancelled campaign takes no leads).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from salescore.campaigns.models import Campaign
from salescore.imports.registry import RowError, header_key


class Campaigns:
    def __init__(self) -> None:
        self.by_key: dict[str, list[Campaign]] = {}
        for campaign in Campaign.objects.order_by("-start_date", "pk"):
            self.by_key.setdefault(header_key(campaign.name), []).append(campaign)

    def find(self, text: str, *, field_name: str = "campaign") -> Campaign | None:
        text = (text or "").strip()
        if not text:
            return None
        found = self.by_key.get(header_key(text), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise RowError(
                {
                    field_name: _("Several campaigns are called %(name)s: write the name exactly.")
                    % {"name": text}
                }
            )
        raise RowError({field_name: _("There is no campaign called %(name)s.") % {"name": text}})
