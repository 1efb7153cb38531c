"""The demo's campaigns: the finished fair, the running online promotion and the planned seminar,
most event and online leads attributed to them, the fair's sign-ups worked and two deals won."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from salescore.campaigns.models import Campaign
from salescore.campaigns.selectors import campaign_figures
from salescore.demo import campaigns as demo_campaigns
from salescore.demo import company
from salescore.demo import leads as demo_leads
from salescore.leads.models import Lead
from salescore.pipeline.tests.factories import make_product


def test_the_demo_campaigns_and_their_results(db):
    company.load()
    demo_leads.load()
    for code in demo_campaigns.SHOWN:  # the robots of the catalogue the fair demonstrated
        make_product(code=code, list_price=Decimal("98000.00"), price_floor=Decimal("90000.00"))
    assert not demo_campaigns.is_loaded()

    made = demo_campaigns.load()

    assert made["campaigns"] == 3 and made["won"] == 2
    assert demo_campaigns.is_loaded()
    by_name = {c.name: c for c in Campaign.objects.select_related("owner__user")}
    fair, online, seminar = (
        by_name[n] for n in (demo_campaigns.FAIR, demo_campaigns.ONLINE, demo_campaigns.SEMINAR)
    )
    assert (fair.channel, fair.status, fair.budget) == ("offline_event", "finished", Decimal("180000.00"))
    assert (online.channel, online.status) == ("online", "running")
    assert seminar.status == "planned" and seminar.owner.user.username == "head"
    today = timezone.localdate()
    assert fair.end_date < today < online.end_date and seminar.start_date > today

    # most of the demo's offline-event and online leads came from a campaign
    leads = Lead.objects.filter(channel__in=["offline_event", "online"]).exclude(phone__startswith="166")
    assert leads.filter(campaign__isnull=False).count() > leads.count() / 2  # 166…: the sign-ups
    assert (
        made["leads"] == Lead.objects.filter(campaign__isnull=False).exclude(phone__startswith="166").count()
    )

    figures = campaign_figures([fair, online, seminar])
    assert figures[fair.pk].leads >= 15 and figures[fair.pk].converted >= 2
    assert figures[fair.pk].won == 2 and figures[fair.pk].won_amount > 0
    assert figures[fair.pk].roi is not None
    assert figures[online.pk].leads >= 3
    assert figures[seminar.pk].leads == 0 and figures[seminar.pk].roi is None

    # load_demo runs it once: with campaigns present it keeps them
    class Command:
        class style:
            SUCCESS = staticmethod(str)

        class stdout:
            lines: list[str] = []
            write = lines.append

    demo_campaigns.load_into(Command)
    assert Command.stdout.lines == ["Campaigns already present: kept as they are."]
    assert Campaign.objects.count() == 3
