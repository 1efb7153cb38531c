"""Pages rendered by the templates as they were before their rendering was made cheaper, to prove
a page's HTML is unchanged.

``legacy_templates/`` holds verbatim copies of the templates as they were (same names); an engine
that looks there first renders a view's own context with them. The request is the page's, so the
context processors, the user and the language are the same; only CSRF tokens (masked anew on every
read) are blanked before comparing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from unittest import mock

from django.template import Engine, engines, loader
from django.template.context import make_context

LEGACY_DIR = Path(__file__).parent / "legacy_templates"
_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@cache
def legacy_engine() -> Engine:
    current = engines["django"].engine
    return Engine(
        dirs=[str(LEGACY_DIR), *current.dirs],
        app_dirs=current.app_dirs,
        context_processors=current.context_processors,
        libraries=current.libraries,
        builtins=[b for b in current.builtins if b not in Engine.default_builtins],
        string_if_invalid=current.string_if_invalid,
    )


def _blank_csrf(html: str) -> str:
    return _CSRF.sub(r"\1-", html)


def new_and_old(client, url: str, **headers) -> tuple[str, str]:
    """(the page as served now, the same view's context rendered by the legacy templates)."""
    calls = []
    real = loader.render_to_string

    def spy(template_name, context=None, request=None, using=None):
        if not calls:
            calls.append((template_name, dict(context or {}), request))
        return real(template_name, context, request, using)

    with mock.patch.object(loader, "render_to_string", spy):
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    name, context, request = calls[0]
    old = legacy_engine().get_template(name).render(make_context(context, request))
    return _blank_csrf(response.content.decode()), _blank_csrf(old)


_SPACE, _AROUND_TAG = re.compile(r"\s+"), re.compile(r"\s*([<>])\s*")


def _collapsed(html: str) -> str:
    """``html`` with each run of whitespace as one space and none beside a tag's brackets: what a
    browser shows, less the newlines the old templates' includes left inside cells."""
    return _AROUND_TAG.sub(r"\1", _SPACE.sub(" ", html))


def assert_same_as_legacy(client, url: str, *, collapse_whitespace: bool = False, **headers) -> str:
    new, old = new_and_old(client, url, **headers)
    if collapse_whitespace:
        new, old = _collapsed(new), _collapsed(old)
    if new != old:
        import difflib

        lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "legacy", "now", lineterm="")
        diff = "\n".join(lines)
        raise AssertionError(f"{url} renders differently:\n{diff[:4000]}")
    return new
