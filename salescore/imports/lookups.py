"""Names in a file -> records: regions by name or code, owners by employee number or name.

Loaded once per run, so a row costs no query for them. People are looked up only among those the
importer may give records to (their scope): a name outside it reads as unknown, which neither
leaks who exists nor lets a rep hand customers to another team.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from salescore.core.permissions import scope_queryset
from salescore.imports.registry import RowError, header_key
from salescore.org.models import Person, Region

_REGION_SUFFIX = re.compile(r"(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|地区|自治州)$")


class Regions:
    def __init__(self) -> None:
        self.by_key: dict[str, Region] = {}
        for region in Region.objects.order_by("path"):
            for text in (region.code, region.name, region.name_en, _REGION_SUFFIX.sub("", region.name)):
                if text:
                    # Ordered by path: 吉林 is the province 吉林省 before the city 吉林市.
                    self.by_key.setdefault(header_key(text), region)

    def find(self, text: str, *, field_name: str = "region") -> Region | None:
        if not text:
            return None
        region = self.by_key.get(header_key(text)) or self.by_key.get(
            header_key(_REGION_SUFFIX.sub("", text.strip()))
        )
        if region is None:
            raise RowError({field_name: _("There is no region called %(name)s.") % {"name": text}})
        return region


class People:
    def __init__(self, actor) -> None:
        people = scope_queryset(
            Person.objects.filter(status=Person.Status.ACTIVE), actor, include_shared=False
        ).only("pk", "employee_no", "name", "name_en", "status", "org_unit_id", "position", "deleted_at")
        self.by_number: dict[str, Person] = {}
        self.by_name: dict[str, list[Person]] = {}
        for person in people:
            self.by_number[person.employee_no.strip().lower()] = person
            for name in {person.name, person.name_en}:
                if name:
                    self.by_name.setdefault(header_key(name), []).append(person)

    def find(self, text: str, *, field_name: str = "owner") -> Person | None:
        text = (text or "").strip()
        if not text:
            return None
        person = self.by_number.get(text.lower())
        if person is not None:
            return person
        named = self.by_name.get(header_key(text), [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise RowError(
                {
                    field_name: _("Several people are called %(name)s: use the employee number.")
                    % {"name": text}
                }
            )
        raise RowError(
            {
                field_name: _("%(name)s is not you or someone you manage: use an employee number or a name.")
                % {"name": text}
            }
        )
