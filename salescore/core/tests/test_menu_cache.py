"""The layout's menus are kept per capability set and language, and render as they did."""

from __future__ import annotations

import pytest
from django.utils import translation

from salescore.core import navigation
from salescore.core.navigation import MENU, allowed, menu_for, menu_html
from salescore.core.permissions import Position, access_for
from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.org.models import Person


def _uncached_menu(user, path=""):
    """The menu as ``menu_for`` built it on every request before it was kept."""
    from django.urls import reverse

    access = access_for(user)
    rows = []
    for entry in sorted((e for e in MENU.values() if allowed(access, e.capability)), key=lambda e: e.order):
        url = reverse(entry.url_name)
        active = path == url if url == "/" else path.startswith(url)
        label = str(entry.label)
        rows.append({"key": entry.key, "label": label, "url": url, "icon": entry.icon, "active": active})
    return rows


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "lead_a", "director", "admin"])
@pytest.mark.parametrize("path", ["/", "/customers/", "/people/12/", "/orders/quotes/", "/nowhere/"])
def test_menu_is_the_uncached_menu(cast, who, language, path):
    user = getattr(cast, who).user
    with translation.override(language):
        assert menu_for(user, path) == _uncached_menu(user, path)
        assert menu_for(user, path) == _uncached_menu(user, path)  # kept, still the same


def test_menu_is_kept_per_capability_set_and_language_not_per_user(cast):
    navigation._FRAGMENTS.clear()
    rep_a, rep_b, director = cast.rep_a.user, cast.rep_b.user, cast.director.user
    assert access_for(rep_a).capabilities == access_for(rep_b).capabilities
    with translation.override("zh-hans"):
        zh_rep = menu_html(rep_a, "/customers/", home_active=False)
        # another rep with the same capabilities gets the very same kept HTML
        assert menu_html(rep_b, "/customers/", home_active=False)["side"] is zh_rep["side"]
        zh_director = menu_html(director, "/customers/", home_active=False)
        other_page = menu_html(rep_a, "/orders/", home_active=False)
        home = menu_html(rep_a, "/", home_active=True)
    with translation.override("en"):
        en_rep = menu_html(rep_a, "/customers/", home_active=False)
    assert zh_director["side"] != zh_rep["side"] and "/audit/" in zh_director["side"]
    assert "/audit/" not in zh_rep["side"]
    assert en_rep["side"] != zh_rep["side"] and "Customers" in en_rep["side"] and "客户" in zh_rep["side"]
    assert 'href="/customers/" aria-current="page"' in zh_rep["side"]
    assert 'href="/orders/" aria-current="page"' in other_page["side"]
    assert 'href="/customers/" aria-current="page"' not in other_page["side"]
    assert 'class="nav-link active" href="/"' in home["side"]
    assert 'class="nav-link active" href="/"' not in zh_rep["side"]


def test_menu_follows_a_change_of_position(cast):
    user = cast.rep_a.user
    with translation.override("en"):
        before = menu_html(user, "/customers/", home_active=False)
        assert "/audit/" not in before["side"]
        # when the rep becomes the director (a new request reads their access anew)
        Person.objects.filter(pk=cast.rep_a.pk).update(
            position=Position.DIRECTOR, org_unit_id=cast.director.person.org_unit_id
        )
        user.refresh_from_db()
        user.__dict__.pop("_salescore_access", None)
        after = menu_html(user, "/customers/", home_active=False)
        assert after["side"] is menu_html(cast.director.user, "/customers/", home_active=False)["side"]
    assert "/audit/" in after["side"]
    assert {row["key"] for row in menu_for(user)} == {row["key"] for row in _uncached_menu(user)}


def test_registering_an_entry_drops_the_kept_menus(cast):
    user = cast.director.user
    menu_for(user)
    assert navigation._MENUS
    entry = navigation.MenuEntry("zz_test", "ZZ", "core:home", "org.view")
    try:
        navigation.register_menu(entry)
        assert not navigation._MENUS
    finally:
        MENU.pop("zz_test")
        navigation._MENUS.clear()
        navigation._FRAGMENTS.clear()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "director"])
@pytest.mark.parametrize("url", ["/", "/customers/", "/pipeline/opportunities/", "/people/"])
def test_layout_renders_as_before(cast, client_as, who, language, url):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, url)
    assert 'aria-label="' in html and "nav-link" in html
