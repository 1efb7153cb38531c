import pytest

PAGES = [
    "/",
    "/org/",
    "/people/",
    "/regions/",
    "/audit/",
    "/trash/",
    "/accounts/tokens/",
    "/accounts/password/",
    "/people/export.csv",
    "/org/units/new/",
    "/people/new/",
    "/regions/new/",
]


@pytest.mark.parametrize("who", ["admin", "director", "head", "lead_a", "rep_a", "agent"])
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages(cast, client_as, who, lang):
    c = client_as(getattr(cast, who))
    c.cookies["salescore_language"] = lang
    m = getattr(cast, who)
    for url in PAGES + [
        f"/people/{m.pk}/",
        f"/org/units/{cast.team_a.pk}/",
        f"/history/org.person/{m.pk}/",
        f"/people/{m.pk}/edit/",
        f"/org/units/{cast.team_a.pk}/edit/",
    ]:
        r = c.get(url)
        assert r.status_code in (200, 403), (url, r.status_code, r.content[:3000])
