"""``make bench``: for PostgreSQL and SQLite, prepare a generated company of the chosen size, serve
it with gunicorn (SALESCORE_BENCH=1) and run bench/run.py against it.

    python bench/orchestrate.py --size M --db both [--base var/bench/earlier.json] [run.py options]

For each database: create it when missing (PostgreSQL), migrate, run ``gen_data --size SIZE``
unless it already holds a company of that size (its customer count and the bench logins are the
marker), start gunicorn on a free local port, wait for /healthz, run the benchmark, stop the
server. Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/salescore_bench_<size>),
BENCH_WORKERS (default 2 x cores + 1), BENCH_THREADS (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, size_label  # noqa: E402

PY = sys.executable
REP, DIRECTOR = "bench_rep", "bench_director"
# Sized so that make bench (both databases, size M, generation included) stays under 15 minutes
# on 2 cores; pass run.py options after -- (or BENCH_ARGS to make) for longer runs.
RUN_DEFAULTS = [
    "--warmup",
    "2",
    "--repeat",
    "15",
    "--max-seconds",
    "4",
    "--http-budget",
    "90",
    "--threads",
    "4",
    "--duration",
    "1.5",
    "--import-rows",
    "100",
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_url(size: str) -> str:
    return (
        os.environ.get("BENCH_PG_URL") or f"postgres://postgres@127.0.0.1:5432/salescore_bench_{size.lower()}"
    )


def sqlite_url(size: str) -> str:
    return f"sqlite:///{ROOT / 'var' / f'bench-{size}.sqlite3'}"


def ensure_pg_database(url: str) -> None:
    """Create the database when missing (connecting to the server's 'postgres' database)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                log(f"creating PostgreSQL database {name}")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL is not reachable at {admin} ({str(exc).strip()}): start it, set BENCH_PG_URL, "
            "or run make bench DB=sqlite"
        ) from None


def manage(url: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SALESCORE_BENCH", None)
    return subprocess.run(  # noqa: S603
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )


PROBE = (
    "import json; from django.contrib.auth import get_user_model as g; "
    "from salescore.customers.models import Customer as C; from salescore.org.models import Person as P; "
    f"print(json.dumps({{'customers': C.all_objects.count(), 'people': P.all_objects.count(), "
    f"'logins': g().objects.filter(username__in=['{REP}', '{DIRECTOR}']).count()}}))"
)


def probe(url: str) -> dict:
    done = manage(url, "shell", "-c", PROBE, capture=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(url: str, size: str, customers: int | None) -> float:
    """Migrate and generate unless the database already holds this size. Returns the seconds spent."""
    started = time.perf_counter()
    log("migrate")
    manage(url, "migrate", "--noinput", "-v", "0")
    found = probe(url)
    wanted = size_label(customers) if customers else size
    have = size_label(found["customers"]) if found["customers"] else "empty"
    matches = found["logins"] == 2 and have == wanted
    if customers:
        matches = matches and abs(found["customers"] - customers) <= max(customers // 10, 10)
    if matches:
        log(f"the database already holds size {size} ({found['customers']:,} customers): not generating")
    else:
        command = ["gen_data", "--size", size]
        if customers:
            command += ["--customers", str(customers)]
        if found["customers"] or found["people"]:
            command.append("--reset")  # gen_data refuses a database with data otherwise
        log(f"generating: manage.py {' '.join(command)} (it holds {found['customers']:,} customers now)")
        manage(url, *command)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    cores = os.cpu_count() or 1
    workers = os.environ.get("BENCH_WORKERS") or str(2 * cores + 1)
    threads = os.environ.get("BENCH_THREADS") or "2"
    env = {**os.environ, "DATABASE_URL": url, "SALESCORE_BENCH": "1", "DEBUG": "0"}
    command = [
        str(Path(PY).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        workers,
        "--threads",
        threads,
        "--worker-class",
        "gthread",
        "--timeout",
        "600",
        "--log-level",
        "warning",
    ]
    log(f"gunicorn: {workers} workers x {threads} threads on 127.0.0.1:{port}")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.time() + 90
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 90 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description="make bench: every database, end to end")
    parser.add_argument("--size", default="M", choices=("S", "M", "L"))
    parser.add_argument("--db", default="both", choices=("pg", "sqlite", "both"))
    parser.add_argument("--customers", type=int, default=None, help="gen_data --customers N")
    parser.add_argument("--base", default="", help="an earlier run's JSON file to compare with")
    args, extra = parser.parse_known_args()  # the rest goes to bench/run.py (--repeat 30 ...)
    extra = [a for a in extra if a != "--"]
    started = time.perf_counter()
    targets = []
    if args.db in ("pg", "both"):
        url = pg_url(args.size)
        ensure_pg_database(url)
        targets.append(("postgresql", url))
    if args.db in ("sqlite", "both"):
        (ROOT / "var").mkdir(exist_ok=True)
        targets.append(("sqlite", sqlite_url(args.size)))
    failures = []
    timings = []
    for vendor, url in targets:
        log(f"== {vendor}: {url}")
        prepared = prepare(url, args.size, args.customers)
        port = free_port()
        server = start_server(url, port)
        run_started = time.perf_counter()
        try:
            command = [
                PY,
                str(ROOT / "bench" / "run.py"),
                "--url",
                f"http://127.0.0.1:{port}",
                "--rep",
                REP,
                "--director",
                DIRECTOR,
                "--size",
                args.customers and size_label(args.customers) or args.size,
                *RUN_DEFAULTS,
                *(["--base", args.base] if args.base else []),
                *extra,
            ]
            done = subprocess.run(  # noqa: S603
                command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=False
            )
            if done.returncode:
                failures.append(f"{vendor}: bench/run.py exited {done.returncode}")
        finally:
            stop_server(server)
        timings.append((vendor, prepared, time.perf_counter() - run_started))
    total = time.perf_counter() - started
    print()
    for vendor, prepared, ran in timings:
        print(f"{vendor:10}  prepare (migrate, generate) {prepared:7.1f} s   benchmark {ran:7.1f} s")
    print(f"Total: {total:.0f} s ({total / 60:.1f} min)")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
