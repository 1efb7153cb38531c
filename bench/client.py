"""A small HTTP/1.1 client for the benchmark: one kept-alive connection per client, the session and
CSRF cookies, and the SQL headers of salescore.core.querycount.

Standard library only (http.client), so the time measured is the server's plus one local round
trip, not a client library's overhead.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class BenchError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def queries(self) -> int | None:
        value = self.headers.get("x-sql-queries")
        return int(value) if value is not None else None

    @property
    def sql_ms(self) -> float | None:
        value = self.headers.get("x-sql-time-ms")
        return float(value) if value is not None else None

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    base_url: str
    timeout: float = 600.0
    cookies: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    _conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.base_url)
        if parsed.scheme != "http":
            raise BenchError(f"{self.base_url}: the benchmark speaks plain http to a local server")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80

    def clone(self) -> Client:
        """A client with the same login on a connection of its own (one per thread)."""
        return Client(self.base_url, self.timeout, dict(self.cookies), self.token)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        bearer: bool = False,
        discard: bool = False,
    ) -> Response:
        """One request; the time runs from sending it to the last byte of the answer. ``discard``
        reads the body in chunks and keeps none of it (exports)."""
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans", **(headers or {})}
        if bearer:
            if not self.token:
                raise BenchError("no API token: log in first")
            sent["Authorization"] = f"Bearer {self.token}"
        elif self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._connection()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=sent)
                answer = conn.getresponse()
                if discard:
                    size = 0
                    while chunk := answer.read(256 * 1024):
                        size += len(chunk)
                    content = str(size).encode()
                else:
                    content = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between two requests: reconnect once.
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - start
            got = {k.lower(): v for k, v in answer.getheaders()}
            for line in answer.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(line)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if got.get("connection", "").lower() == "close":
                self.close()
            return Response(answer.status, got, content, seconds)
        raise BenchError("unreachable")

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    # -- logging in ----------------------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        """Through the login page, as a browser: its CSRF cookie and form token, then the POST."""
        page = self.get("/accounts/login/")
        match = CSRF_INPUT.search(page.body.decode("utf-8", "replace"))
        if page.status != 200 or not match:
            raise BenchError(f"GET /accounts/login/ answered {page.status} without a CSRF token")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
        ).encode()
        answer = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.base_url}/accounts/login/",
            },
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise BenchError(
                f"login as {username!r} failed (HTTP {answer.status}): check the login name and password"
            )

    def _csrf_headers(self) -> dict[str, str]:
        return {
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "Referer": f"{self.base_url}/",
            "Content-Type": "application/json",
        }

    def create_token(self, name: str) -> int:
        """A personal API token through POST /api/v1/tokens (session and CSRF); kept on the client."""
        answer = self.request(
            "POST",
            "/api/v1/tokens",
            body=json.dumps({"name": name, "expires_in_days": 1}).encode(),
            headers=self._csrf_headers(),
        )
        if answer.status != 201:
            raise BenchError(f"POST /api/v1/tokens answered {answer.status}: {answer.body[:300]!r}")
        data = answer.json()
        self.token = data["token"]
        return int(data["id"])

    def revoke_token(self, token_id: int) -> None:
        self.request("DELETE", f"/api/v1/tokens/{token_id}", headers=self._csrf_headers())
