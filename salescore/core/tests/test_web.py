"""core.web.url_for_pk: the same URLs as reverse, one reverse for many primary keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salescore.core.web import url_for_pk


@pytest.mark.parametrize(
    "viewname", ["pipeline:opportunity_detail", "pipeline:opportunity_move", "customers:detail"]
)
def test_the_urls_are_those_reverse_gives(viewname):
    url = url_for_pk(viewname)
    for pk in (1, 7, 2_147_483_647, 10**12, "42"):
        assert url(pk) == reverse(viewname, args=[pk])


def test_a_view_without_a_primary_key_is_refused():
    with pytest.raises(Exception):  # noqa: B017, PT011 - NoReverseMatch or ValueError
        url_for_pk("pipeline:board")


def test_a_primary_key_is_an_integer():
    with pytest.raises(ValueError):
        url_for_pk("pipeline:opportunity_detail")("1/../../admin")


def test_arguments_before_the_primary_key():
    url = url_for_pk("core:history", "pipeline.activity")
    for pk in (1, 7, 10**12):
        assert url(pk) == reverse("core:history", args=["pipeline.activity", pk])
