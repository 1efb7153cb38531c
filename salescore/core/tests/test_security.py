"""Headers, CSRF and the health check: what every response carries."""

import json

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


@pytest.mark.django_db
def test_api_offsets_are_bounded(cast, api_as):
    """A fuzzer's offset of 10**22 is a 422 naming the field, not an integer overflow (500)."""
    client = api_as(cast.director)
    urls = ["/api/v1/people", "/api/v1/regions", "/api/v1/customers", "/api/v1/contacts", "/api/v1/audit"]
    for url in urls:
        response = client.get(f"{url}?offset=10335826444528146972672&limit=32")
        assert response.status_code == 422, (url, response.content[:200])
        assert response.json()["code"] == "validation_error"
        assert "offset" in response.json()["fields"]
    assert client.get("/api/v1/people?offset=1000000000").status_code == 200


@pytest.mark.django_db
def test_ids_beyond_any_database_integer_are_simply_not_found(cast, api_as):
    client = api_as(cast.director)
    huge = 239075969821512387149168640
    assert client.get(f"/api/v1/people/{huge}").status_code in (404, 422)
    response = client.patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        data=json.dumps({"version": 1, "region_ids": [huge, -5]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_reference"
    assert "region_ids" in response.json()["fields"]


@pytest.mark.django_db
def test_api_text_with_a_nul_character_is_refused_naming_the_field(cast, api_as):
    """PostgreSQL cannot hold or compare text with NUL: found by test_api_fuzz as 500s there."""
    client = api_as(cast.director)
    listed = client.get("/api/v1/customers", {"q": "a\x00b"})
    assert listed.status_code == 422, listed.content
    assert listed.json()["code"] == "validation_error" and "q" in listed.json()["fields"]
    created = client.post(
        "/api/v1/customers",
        data=json.dumps({"name": "ok", "tags": ["a", "b\x00"]}),
        content_type="application/json",
    )
    assert created.status_code == 422, created.content
    assert list(created.json()["fields"]) == ["tags.1"]
    assert client.get("/api/v1/customers", {"q": "日本語"}).status_code == 200
