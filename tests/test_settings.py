"""Settings come from the environment and refuse bad values with a message naming the variable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(
    env_overrides: dict[str, str], code: str = "import django; django.setup()"
) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "HTTPS", "SECRET_KEY", "REDIS_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("TIME_ZONE", "Mars/Olympus", "not a known IANA time zone"),
        ("LANGUAGE_CODE", "fr", "LANGUAGE_CODE='fr' is not one of"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL uses 'mysql'"),
        ("SECRET_KEY", "short", "SECRET_KEY is too weak"),
        ("REDIS_URL", "http://127.0.0.1:6379", "must start with redis://"),
        ("DEFAULT_CURRENCY", "yuan", "not an ISO-4217 code"),
        ("LOGIN_MAX_FAILURES", "zero", "LOGIN_MAX_FAILURES='zero' is not a whole number"),
        ("ALLOWED_HOSTS", " , ", "ALLOWED_HOSTS is set but empty"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(name, value, expected, tmp_path):
    result = _run({name: value, "SALESCORE_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_https_requires_a_secret_key(tmp_path):
    result = _run({"HTTPS": "1", "SALESCORE_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_install_generates_its_own_key_once(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _run({"SALESCORE_VAR_DIR": str(tmp_path)}, code)
    second = _run({"SALESCORE_VAR_DIR": str(tmp_path)}, code)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == second.stdout.strip()
    assert len(first.stdout.strip()) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_debug_is_off_unless_asked(tmp_path):
    code = (
        "from django.conf import settings; print(settings.DEBUG, settings.LANGUAGE_CODE, settings.TIME_ZONE)"
    )
    result = _run({"SALESCORE_VAR_DIR": str(tmp_path)}, code)
    assert result.stdout.split() == ["False", "zh-hans", "Asia/Shanghai"]


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "sales.example.com",
        "SALESCORE_VAR_DIR": str(tmp_path),
    }
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = _run(env, code)
    assert result.returncode == 0, result.stderr + result.stdout


def test_redis_url_switches_celery_from_eager_to_broker(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)"
    )
    eager = _run({"SALESCORE_VAR_DIR": str(tmp_path)}, code)
    broker = _run({"SALESCORE_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/3"}, code)
    assert eager.stdout.split() == ["True", "memory://"]
    assert broker.stdout.split() == ["False", "redis://127.0.0.1:6379/3"]


def test_the_wsgi_application_loads_its_views_and_freezes_them_out_of_the_collector(tmp_path):
    """config.wsgi imports the URLconf (every view and the API) and freezes what is loaded, so that a
    full garbage collection during a request walks only what requests left (docs/performance.md)."""
    code = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), 'salescore.customers.views' in sys.modules, "
        "'salescore.core.api_routes' in sys.modules)"
    )
    result = _run({"SALESCORE_VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    frozen, views, api = result.stdout.split()
    assert int(frozen) > 50_000 and views == api == "True"


def test_postgresql_connections_run_without_jit_unless_the_url_says(db, monkeypatch):
    """The application's PostgreSQL connections turn JIT compilation off (decision 0023); a URL
    that sets jit itself keeps it. On PostgreSQL the connection the tests use has it off."""
    from django.db import connection

    from config.env import env_database

    def all_options(url: str) -> dict:
        monkeypatch.setenv("SALESCORE_TEST_URL", url)
        return env_database("SALESCORE_TEST_URL", "sqlite:///x").get("OPTIONS", {})

    def options(url: str) -> str:
        return all_options(url)["options"]

    assert options("postgres://u@h:5432/db") == "-c jit=off"
    assert options("postgres://u@h:5432/db?options=-c%20statement_timeout%3D5000") == (
        "-c statement_timeout=5000 -c jit=off"
    )
    assert options("postgres://u@h:5432/db?options=-c%20jit%3Don") == "-c jit=on"
    assert "options" not in all_options("sqlite:////tmp/x.sqlite3")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
