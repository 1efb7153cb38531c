"""htmx requests that cannot be answered with their fragment: a session that has ended sends the
whole page to the sign-in page (and back to that page afterwards); a refusal is marked so that
app.js shows it where the fragment was going."""

from __future__ import annotations

import pytest

from salescore.core.middleware import HTMX_ERROR_HEADER
from salescore.pipeline.models import Stage

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/pipeline/?owner=5&mine=on"}


def _cards_url() -> str:
    return f"/pipeline/stages/{Stage.objects.get(code='contact').pk}/cards/?before=1.1"


def test_an_ended_session_sends_an_htmx_request_to_the_sign_in_page_as_a_whole_page(client):
    response = client.get(_cards_url(), **HTMX)
    assert response.status_code == 204 and not response.content
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fpipeline%2F%3Fowner%3D5%26mine%3Don"
    # a page asked for by the browser itself keeps Django's redirect to its own URL
    response = client.get(_cards_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert "HX-Redirect" not in response
    # a page with no current URL goes back home; a scheme and host from the header are dropped
    response = client.get(_cards_url(), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"
    response = client.get(_cards_url(), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/x")
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fx"


def test_other_redirects_of_htmx_requests_are_left_alone(cast, client_as):
    client = client_as(cast.rep_a)
    response = client.get("/pipeline", **HTMX)  # the slash added by CommonMiddleware
    assert response.status_code == 301 and "HX-Redirect" not in response


def test_a_refusal_to_htmx_is_marked_to_be_shown(cast, client_as):
    client = client_as(cast.rep_a)
    client.cookies["salescore_language"] = "en"
    response = client.get(_cards_url().replace("1.1", "x"), **HTMX)
    assert response.status_code == 400 and response[HTMX_ERROR_HEADER] == "invalid"
    assert 'data-testid="htmx-error"' in response.content.decode()
    # the same refusal to a whole page is the error page, unmarked
    response = client.get(_cards_url().replace("1.1", "x"))
    assert response.status_code == 400 and HTMX_ERROR_HEADER not in response
    assert "<html" in response.content.decode()
