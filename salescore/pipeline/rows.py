"""The opportunity and activity lists' rows as their tables show them, worked out in one pass.

A row had 20-40 template nodes, an include, template filters for money and dates and a ``{% url %}``
per link; at 100 rows that was most of a page's time. Here the links come from one ``reverse`` per
page, amounts and dates are formatted in Python (``core.money``, ``core.formats``) and choice labels
are translated once. The tables' HTML is the same (``tests/test_list_html.py`` renders both ways).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from salescore.core.export import labels
from salescore.core.formats import date_text
from salescore.core.templatetags.salescore import money
from salescore.core.web import url_for_pk
from salescore.pipeline.models import Activity, Opportunity

if TYPE_CHECKING:
    from salescore.pipeline.selectors import Card

# The columns the rows show: read as whole records with their customer, owner and stage (or
# contact and opportunity), a page's rows cost several times as much to read.
OPPORTUNITY_COLUMNS = (
    "name", "customer", "customer__name", "stage", "stage__name", "stage__name_en", "stage__is_won",
    "stage__is_lost", "amount", "currency", "expected_close_date", "owner", "owner__name",
    "owner__name_en", "updated_at",
)  # fmt: skip
ACTIVITY_COLUMNS = (
    "occurred_at", "channel", "location", "customer", "customer__name", "opportunity",
    "opportunity__name", "subject", "contact", "contact__name", "owner", "owner__name",
    "owner__name_en", "next_step", "next_step_done", "next_step_due",
)  # fmt: skip


def opportunities_for_rows(opportunities):
    """``opportunities`` (selectors.opportunity_list) reading only what the rows show."""
    return (
        opportunities.select_related(None)
        .select_related("customer", "owner", "stage")
        .only(*OPPORTUNITY_COLUMNS)
    )


def activities_for_rows(activities):
    """``activities`` (selectors.activity_list) reading only what the rows show."""
    related = ("customer", "owner", "contact", "opportunity")
    return activities.select_related(None).select_related(*related).only(*ACTIVITY_COLUMNS)


def stage_css(stage) -> str:
    """The badge colour of pipeline/_partials/stage_badge.html."""
    if stage.is_won:
        return "text-bg-success"
    return "text-bg-secondary" if stage.is_lost else "text-bg-primary"


def opportunity_rows(opportunities: list[Opportunity]) -> list[dict]:
    if not opportunities:
        return []
    detail, customer = url_for_pk("pipeline:opportunity_detail"), url_for_pk("customers:detail")
    return [
        {
            "url": detail(o.pk),
            "name": o.name,
            "customer_url": customer(o.customer_id),
            "customer": o.customer.name,
            "stage": str(o.stage),
            "stage_css": stage_css(o.stage),
            "amount": money(o.amount, o.currency),
            "close": date_text(o.expected_close_date, "DATE_FORMAT") or "—",
            "owner": str(o.owner),
            "updated": date_text(o.updated_at, "DATETIME_FORMAT"),
        }
        for o in opportunities
    ]


def activity_rows(activities: list[Activity], *, person_id: int | None) -> list[dict]:
    if not activities:
        return []
    customer = url_for_pk("customers:detail")
    opportunity = url_for_pk("pipeline:opportunity_detail")
    done, delete = url_for_pk("pipeline:activity_done"), url_for_pk("pipeline:activity_delete")
    history = url_for_pk("core:history", "pipeline.activity")
    channels = labels(Activity._meta.get_field("channel").flatchoices)
    today = timezone.localdate()
    rows = []
    for a in activities:
        due = a.next_step_due
        rows.append(
            {
                "pk": str(a.pk),
                "occurred": date_text(a.occurred_at, "DATETIME_FORMAT"),
                "channel": channels.get(a.channel, a.channel),
                "location": a.location if a.channel == "visit" and a.location else "",
                "customer_url": customer(a.customer_id),
                "customer": a.customer.name,
                "opportunity_url": opportunity(a.opportunity_id) if a.opportunity is not None else "",
                "opportunity": a.opportunity.name if a.opportunity is not None else "",
                "subject": a.subject,
                "has_contact": a.contact is not None,
                "contact": a.contact.name if a.contact is not None else "",
                "owner": str(a.owner),
                "next_step": a.next_step or "—",
                "step_done": bool(a.next_step and a.next_step_done),
                "due": date_text(due, "DATE_FORMAT") if due else "",
                # due today or before, in local time ({% now %} in the template before)
                "due_css": "text-danger fw-semibold" if due and not a.next_step_done and due <= today else "",
                "open_step": bool(a.next_step and not a.next_step_done),
                "done_url": done(a.pk),
                "history_url": history(a.pk),
                "delete_url": delete(a.pk) if a.owner_id == person_id else "",
            }
        )
    return rows


# A card as pipeline/_partials/board_cards.html wrote it (the same text: test_board_more.py).
_CARD = (
    '\n      <li class="list-group-item board-card{refused}"{drag} data-opportunity="{pk}"'
    ' data-version="{version}" data-testid="card">\n'
    '        <a class="fw-semibold text-decoration-none" href="{url}" draggable="false">{name}</a>\n'
    '        <div class="small text-muted">{customer}</div>\n'
    '        <div class="small">{amount}</div>\n'
    '        <div class="small text-muted text-truncate">'
    '<i class="bi bi-person" aria-hidden="true"></i> {owner}</div>\n'
    "        {close}\n"
    "      </li>"
)
_CLOSE = '<div class="small text-muted"><i class="bi bi-calendar-event" aria-hidden="true"></i> {}</div>'


def board_cards(cards: list[Card], *, can_work: bool = False, refused: int | None = None) -> list:
    """A board column's cards: each card's texts, its order key (for the column's next cards) and
    its HTML, written here in one format per card (a template per card was most of the board's
    time). ``can_work``: the cards can be dragged; ``refused``: the card whose move was refused."""
    if not cards:
        return []
    detail, move = url_for_pk("pipeline:opportunity_detail"), url_for_pk("pipeline:opportunity_move")
    rows = []
    for o in cards:
        row = {
            "pk": o.pk,
            "version": o.version,
            "url": detail(o.pk),
            "move_url": move(o.pk),
            "name": o.name,
            "customer": o.customer_name,
            "amount": money(o.amount, o.currency),
            "owner": o.owner_name,
            "close": date_text(o.expected_close_date, "DATE_FORMAT"),
            "cursor": board_cursor(o),
        }
        drag = f' draggable="true" data-move-url="{row["move_url"]}"' if can_work else ""
        row["html"] = mark_safe(  # noqa: S308  (every text is escaped here)
            _CARD.format(
                refused=" board-card-refused" if o.pk == refused else "",
                drag=drag,
                pk=o.pk,
                version=o.version,
                url=row["url"],
                name=escape(row["name"]),
                customer=escape(row["customer"]),
                amount=escape(row["amount"]),
                owner=escape(row["owner"]),
                close=_CLOSE.format(escape(row["close"])) if row["close"] else "",
            )
        )
        rows.append(row)
    return rows


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def board_cursor(card: Card | Opportunity) -> str:
    """Where a board column goes on after ``card``: its updated-at (microseconds since 1970, exact)
    and its id, the column's order."""
    return f"{(card.updated_at - _EPOCH) // _MICROSECOND}.{card.pk}"


def parse_board_cursor(text: str) -> tuple[dt.datetime, int] | None:
    """``board_cursor``'s text read back; None when it is not one."""
    at, _, pk = (text or "").partition(".")
    if not (at.isascii() and at.isdigit() and pk.isascii() and pk.isdigit()) or len(at) > 17 or len(pk) > 18:
        return None
    try:
        return _EPOCH + int(at) * _MICROSECOND, int(pk)
    except OverflowError:
        return None
