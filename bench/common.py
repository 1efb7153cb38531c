"""What the benchmark scripts share: paths, Django set-up, statistics and the machine's description.

Nothing here is collected by pytest (testpaths are salescore/ and tests/), and nothing imports it
from the application.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_BENCH = ROOT / "var" / "bench"
PASSWORD = "SalesCore@2026"  # noqa: S105 - the documented password of generated logins

# Size labels of gen_data, by their customer counts (S about 2,000; M 100k; L 1M).
SIZES = (("S", 2_000), ("M", 100_000), ("L", 1_000_000))


def setup_django() -> None:
    """Django with the project's settings on DATABASE_URL, as manage.py would."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); p in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def size_label(customers: int) -> str:
    """The gen_data size a customer count is closest to (within a factor of 3), else 'custom'."""
    for label, count in SIZES:
        if count / 3 <= customers <= count * 3:
            return label
    return "custom"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_info() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")),
        0,
    )
    return {
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
    }


def git_commit() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(  # noqa: S603
                ["git", *args],  # noqa: S607
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def now_stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def dump(data, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def db_counts() -> dict:
    """How big the database is: the rows the generator fills (one COUNT each)."""
    from salescore.customers.models import Customer
    from salescore.orders.models import Order
    from salescore.org.models import Person
    from salescore.pipeline.models import Activity, Opportunity

    return {
        "customers": Customer.all_objects.count(),
        "opportunities": Opportunity.objects.count(),
        "activities": Activity.objects.count(),
        "orders": Order.objects.count(),
        "people": Person.objects.count(),
    }


def db_description() -> dict:
    from django.db import connection

    settings = connection.settings_dict
    name = str(settings["NAME"])
    return {
        "vendor": connection.vendor,
        "name": Path(name).name if connection.vendor == "sqlite" else name,
        "host": settings.get("HOST") or "",
        "server_version": _server_version(connection),
    }


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])
