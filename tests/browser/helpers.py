"""Steps the browser tests share: sign in, switch language, take a screenshot, check styling."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def login(page, username: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the page that follows."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")


def switch_language(page, code: str) -> None:
    """Press the 中文 / English button in the top bar and wait for the page to come back."""
    with page.expect_navigation():
        page.click(f"[data-testid=lang-{code}]")
    page.wait_for_function("code => document.documentElement.lang === code", arg=code)


def settle(page) -> None:
    """Wait until nothing is loading and the web fonts in use have arrived."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => document.fonts.status)")


def wait_until_unchanged(page, selector: str, quiet_ms: int = 400) -> None:
    """Wait until the element's markup stops changing, e.g. a chart's animation has ended."""
    page.wait_for_function(
        """([selector, quiet]) => {
            const el = document.querySelector(selector);
            if (!el) return false;
            const now = Date.now(), html = el.innerHTML;
            if (el.__lastHtml !== html) { el.__lastHtml = html; el.__since = now; return false; }
            return now - el.__since >= quiet;
        }""",
        arg=[selector, quiet_ms],
        polling=100,
    )


def screenshot(page, name: str) -> Path:
    settle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_styled(page) -> None:
    """Bootstrap's CSS loaded: the top bar has the primary blue, not the browser default."""
    colour = page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(13, 110, 253)", f"Bootstrap CSS did not load (navbar background {colour})"
