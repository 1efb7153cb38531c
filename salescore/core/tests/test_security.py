"""Headers, CSRF and the health check: what every response carries."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_pages_send_security_headers():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts(cast, client_as):
    """The CSP forbids inline scripts, so a page that relied on one would break in the browser."""
    client = client_as(cast.director)
    for url in ["/", "/org/", "/people/", "/regions/", "/audit/", "/trash/", "/accounts/tokens/"]:
        html = client.get(url).content.decode()
        for chunk in html.split("<script")[1:]:
            head, _, rest = chunk.partition(">")
            assert "src=" in head or 'type="application/json"' in head, (url, head)
        assert " onclick=" not in html and " onchange=" not in html, url


@pytest.mark.django_db
def test_login_form_requires_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "rep_a", "password": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_logout_is_post_only(cast, client_as):
    client = client_as(cast.rep_a)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302


@pytest.mark.django_db
def test_healthz_checks_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_pages_need_a_login():
    for url in ["/", "/org/", "/people/", "/regions/", "/audit/", "/trash/", "/people/export.csv"]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_next_parameter_cannot_redirect_off_site(cast):
    client = Client()
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "rep_a", "password": "Test-Password-2026", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
