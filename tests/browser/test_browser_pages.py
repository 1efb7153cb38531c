"""The pages in a real browser: sign-in, both languages, the organisation, scoped people, the chart."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from salescore.core.testing import PASSWORD
from tests.browser.helpers import assert_styled, login, screenshot, switch_language, wait_until_unchanged

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS_ZH = ["销售管理科", "市场拓展科", "客户服务科", "销售支持科"]
SECTIONS_EN = ["Sales Management", "Market Expansion", "Customer Service", "Sales Support"]


def people_names(page) -> set[str]:
    cells = page.locator("[data-testid=people-table] tbody tr td:nth-child(2)")
    return {text.strip() for text in cells.all_inner_texts()}


def test_sign_in_then_switch_to_english(cast, open_page):
    page, log = open_page()
    login(page, cast.lead_a.user.username, PASSWORD)

    assert urlsplit(page.url).path == "/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text().strip() == "欢迎，张组长"
    assert "我的待办" in page.inner_text("main")
    assert page.locator("[data-testid=lang-zh-hans]").get_attribute("class").split().count("btn-light") == 1
    assert_styled(page)
    screenshot(page, "home-zh-hans")

    switch_language(page, "en")
    assert page.locator("h1").inner_text().strip() == "Welcome, 张组长"
    main = page.inner_text("main")
    assert "My work queues" in main and "My position and duty" in main
    assert "我的待办" not in main
    nav = page.inner_text("nav[aria-label]")
    assert "Home" in nav and "Organisation" in nav
    screenshot(page, "home-en")

    # The choice sticks: the next page is English too, and 中文 switches back.
    page.goto("/people/")
    assert page.locator("h1").inner_text().strip() == "People"
    switch_language(page, "zh-hans")
    assert page.locator("h1").inner_text().strip() == "人员"
    log.assert_clean()


def test_chinese_is_the_default_language(db, open_page):
    """A browser asking for a language SalesCore does not offer gets Simplified Chinese."""
    page, log = open_page(locale="fr-FR")
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-testid=login-submit]").inner_text().strip() == "登录"
    assert_styled(page)
    screenshot(page, "login-zh-hans")
    log.assert_clean()


def test_wrong_password_shows_an_error(cast, open_page):
    page, log = open_page()
    login(page, cast.rep_a.user.username, "not-the-password-1")
    assert "/accounts/login/" in page.url
    errors = page.locator("[data-testid=form-errors]")
    assert errors.is_visible()
    assert errors.inner_text().strip() == "用户名或密码不正确。"
    assert page.locator("[data-testid=user-menu]").count() == 0
    screenshot(page, "login-error-zh-hans")

    switch_language(page, "en")
    login(page, cast.rep_a.user.username, "still-not-the-password-2")
    assert (
        page.locator("[data-testid=form-errors]").inner_text().strip()
        == "The username or password is not correct."
    )
    cast.rep_a.user.refresh_from_db()
    assert cast.rep_a.user.failed_logins == 2
    log.assert_clean()


def test_organisation_page_shows_the_four_sections(cast, open_page):
    page, log = open_page()
    login(page, cast.admin.user.username, PASSWORD)
    page.goto("/org/")
    assert page.locator("h1").inner_text().strip() == "组织架构"
    tree = page.locator("[data-testid=org-tree]")
    text = tree.inner_text()
    for name in [*SECTIONS_ZH, "销售部", "华东一组", "华南组"]:
        assert name in text, name
    assert_styled(page)
    screenshot(page, "org-zh-hans")

    switch_language(page, "en")
    assert page.locator("h1").inner_text().strip() == "Organisation"
    text = page.locator("[data-testid=org-tree]").inner_text()
    for name in [*SECTIONS_EN, "Sales Department"]:
        assert name in text, name
    assert "销售管理科" not in text
    screenshot(page, "org-en")
    log.assert_clean()


@pytest.mark.parametrize(
    ("who", "sees", "does_not_see"),
    [
        ("rep_a", {"刘代表"}, {"吴代表", "张组长", "黄代表"}),
        ("lead_a", {"张组长", "刘代表", "吴代表"}, {"黄代表", "陈组长", "李科长", "郑客服"}),
        (
            "head",
            {"李科长", "张组长", "刘代表", "吴代表", "陈组长", "黄代表"},
            {"郑客服", "何文员", "王总监"},
        ),
    ],
)
def test_people_list_is_scoped(cast, open_page, who, sees, does_not_see):
    page, log = open_page()
    login(page, getattr(cast, who).user.username, PASSWORD)
    page.goto("/people/")
    assert page.locator("h1").inner_text().strip() == "人员"
    names = people_names(page)
    assert sees <= names, names
    assert not (does_not_see & names), names
    if who == "rep_a":
        assert names == {"刘代表"}
    screenshot(page, f"people-{who}-zh-hans")
    log.assert_clean()


def test_home_chart_renders_as_svg(cast, open_page):
    page, log = open_page()
    login(page, cast.director.user.username, PASSWORD)
    chart = page.locator("div[data-chart]")
    svg = chart.locator("svg")
    svg.wait_for(state="attached")
    wait_until_unchanged(page, "div[data-chart]")
    assert chart.get_attribute("data-drawn") == "1"
    box = svg.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50, box
    # One bar per section of the headcount table, and the section names as axis labels.
    rows = page.locator("[data-testid=headcount-table] tbody tr").count()
    assert rows == 4
    labels = svg.locator("text").all_text_contents()
    for name in SECTIONS_ZH:
        assert any(name in label for label in labels), (name, labels)
    # The axis labels fit inside the chart: ECharts measured them with the font they are drawn in.
    left = svg.bounding_box()["x"]
    for name in SECTIONS_ZH:
        label = svg.locator("text", has_text=name).first.bounding_box()
        assert label["x"] >= left - 1, (
            f"axis label {name} is cut off: starts at {label['x']}, chart at {left}"
        )
    screenshot(page, "home-chart-zh-hans")
    log.assert_clean()
