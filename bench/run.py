"""SalesCore benchmark runner: latency, throughput and SQL cost of the pages and the API against a
running server, the floors of the reports, and import and export.

    DATABASE_URL=... python bench/run.py --url http://127.0.0.1:8765 [--rep bench_rep]
        [--director bench_director] [--base var/bench/earlier.json]

The server must run with SALESCORE_BENCH=1 (query counts in the response headers) on the same
database as DATABASE_URL here: the runner reads the records its detail pages open and times the
floors' SQL there. ``make bench`` (bench/orchestrate.py) does all of it for PostgreSQL and SQLite.
See docs/performance.md for what each figure means and the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report  # noqa: E402
from bench.client import BenchError, Client  # noqa: E402
from bench.common import (  # noqa: E402
    PASSWORD,
    ROOT,
    VAR_BENCH,
    db_counts,
    db_description,
    dump,
    git_commit,
    machine_info,
    median,
    now_stamp,
    percentile,
    setup_django,
    size_label,
)
from bench.endpoints import DIRECTOR, ENDPOINTS, REP, Endpoint, pick_records, url_for  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="SalesCore benchmark runner (see docs/performance.md)")
    parser.add_argument(
        "--url", default="http://127.0.0.1:8765", help="the running server (SALESCORE_BENCH=1)"
    )
    parser.add_argument("--rep", default="bench_rep", help="login of a sales rep (own records)")
    parser.add_argument("--director", default="bench_director", help="login of the sales director")
    parser.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", PASSWORD))
    parser.add_argument(
        "--size", default="", help="size label for the report (default: from the customer count)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="requests before measuring (default 3)")
    parser.add_argument("--repeat", type=int, default=30, help="sequential requests measured (default 30)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=15.0,
        help="stop the requests of one endpoint after this long, warm-ups included (at least 3 measured)",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="concurrent clients for requests/s (default 4)"
    )
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of concurrent load (default 3)")
    parser.add_argument(
        "--http-budget",
        type=float,
        default=0,
        help="seconds for all pages and API together: each endpoint gets its share (0: no budget)",
    )
    parser.add_argument("--only", default="", help="only endpoints whose name contains this text")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-floors", action="store_true")
    parser.add_argument("--skip-io", action="store_true", help="skip import and export")
    parser.add_argument("--import-rows", type=int, default=2000, help="customer rows per import format")
    parser.add_argument("--import-formats", default="csv,xlsx")
    parser.add_argument("--export-formats", default="csv,xlsx")
    parser.add_argument(
        "--out", default="", help="JSON file (default var/bench/bench-<db>-<size>-<time>.json)"
    )
    parser.add_argument("--base", default="", help="an earlier JSON file: print now/then per endpoint")
    return parser.parse_args(argv)


# -- HTTP -----------------------------------------------------------------------------------------


MIN_SAMPLES = 3


def measure(client: Client, endpoint: Endpoint, url: str, args) -> dict:
    """Warm-ups, then sequential requests (latency, queries), then concurrent load (requests/s).

    A slow endpoint gets fewer requests so the run keeps its time budget: one warm-up when the
    first request takes longer than ``max_seconds / 5``, and the repeats stop at ``max_seconds``
    (warm-ups included) once MIN_SAMPLES are measured."""
    row: dict = {"url": url}
    deadline = time.perf_counter() + args.max_seconds
    for attempt in range(max(args.warmup, 1)):
        answer = client.get(url, bearer=endpoint.api)
        if answer.status != 200:
            row.update(status=answer.status, error=answer.body[:200].decode("utf-8", "replace"))
            return row
        if attempt == 0 and answer.seconds > args.max_seconds / 5:
            break
    latencies, queries, sql_ms = [], [], []
    for _ in range(args.repeat):
        answer = client.get(url, bearer=endpoint.api)
        if answer.status != 200:
            row.update(status=answer.status, error=f"HTTP {answer.status} while measuring")
            return row
        latencies.append(answer.seconds * 1000)
        if answer.queries is not None:
            queries.append(answer.queries)
            sql_ms.append(answer.sql_ms)
        if time.perf_counter() > deadline and len(latencies) >= MIN_SAMPLES:
            break
    row.update(
        status=200,
        samples=len(latencies),
        median_ms=round(median(latencies), 2),
        p95_ms=round(percentile(latencies, 95), 2),
        max_ms=round(max(latencies), 2),
        queries=int(median(queries)) if queries else None,
        queries_max=max(queries) if queries else None,
        sql_median_ms=round(median(sql_ms), 2) if sql_ms else None,
        bytes=len(answer.body),
    )
    if median(latencies) > args.duration * 1000:
        # Slower than the load window: each thread would finish one request long after it.
        row.update(rps=None, load_skipped="slower than --duration")
    else:
        row.update(load(client, endpoint, url, args))
    return row


def load(client: Client, endpoint: Endpoint, url: str, args) -> dict:
    """``threads`` clients (each its own connection) request the URL for ``duration`` seconds."""
    if args.threads < 1 or args.duration <= 0:
        return {"rps": None}
    done, failed = [0] * args.threads, [0] * args.threads
    start_gate = threading.Barrier(args.threads + 1)
    stop = [0.0]

    def worker(index: int) -> None:
        own = client.clone()
        try:
            start_gate.wait()
            while time.perf_counter() < stop[0]:
                answer = own.get(url, bearer=endpoint.api)
                if answer.status == 200:
                    done[index] += 1
                else:
                    failed[index] += 1
        except Exception:  # a refused connection counts as a failure, not a crash of the run
            failed[index] += 1
        finally:
            own.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop[0] = began + args.duration
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began  # includes the requests still running at the deadline
    return {
        "rps": round(sum(done) / elapsed, 1) if elapsed else None,
        "concurrency": args.threads,
        "load_errors": sum(failed),
    }


def run_http(args, records: dict, only: str) -> list[dict]:
    clients: dict[str, Client] = {}
    tokens: dict[str, int] = {}
    for role, username in ((REP, args.rep), (DIRECTOR, args.director)):
        client = Client(args.url)
        client.login(username, args.password)
        tokens[role] = client.create_token(f"bench {now_stamp()}")
        clients[role] = client
    # Every worker process and thread imports, compiles templates and connects on its first
    # requests: have each of them serve a few pages and API calls before anything is measured.
    # More connections than the server has threads, so that every worker gets some.
    warm = argparse.Namespace(threads=12, duration=1.0)
    for client in clients.values():
        for path in ("/", "/customers/", "/api/v1/customers"):
            load(client, Endpoint("warm-up", path, "list", api=path.startswith("/api/")), path, warm)
    pairs = [
        (endpoint, role)
        for endpoint in ENDPOINTS
        if not only or only.lower() in endpoint.name.lower()
        for role in endpoint.roles
    ]
    began = time.perf_counter()
    rows = []
    try:
        for index, (endpoint, role) in enumerate(pairs):
            url = url_for(endpoint, records[role])
            base = {
                "endpoint": endpoint.name,
                "role": role,
                "kind": endpoint.kind,
                "target_ms": endpoint.latency_target_ms,
                "query_target": endpoint.query_target,
                "floor": endpoint.floor if role in endpoint.floor_roles else None,
            }
            if url is None:
                rows.append({**base, "status": "no record", "url": endpoint.path})
                continue
            started = time.perf_counter()
            settings = args
            if args.http_budget:
                # Share what is left of the budget among the endpoints still to measure: about
                # half for the sequential requests, the rest for the load (at least 3 requests
                # and half a second of load whatever the budget).
                share = (args.http_budget - (started - began)) / (len(pairs) - index)
                settings = argparse.Namespace(
                    **{
                        **vars(args),
                        "max_seconds": min(args.max_seconds, max(share * 0.55, 0.5)),
                        "duration": min(args.duration, max(share * 0.35, 0.5)),
                    }
                )
            row = {**base, **measure(clients[role], endpoint, url, settings)}
            rows.append(row)
            print(
                f"  {endpoint.name:28} {role:8} "
                + (
                    f"p95 {row['p95_ms']:8.1f} ms  {row['queries']} queries  {row.get('rps')} req/s"
                    if row.get("status") == 200
                    else f"HTTP {row.get('status')}"
                )
                + f"  ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    finally:
        for role, client in clients.items():
            with contextlib.suppress(BenchError, OSError):
                client.revoke_token(tokens[role])
            client.close()
    return rows


# -- floors ---------------------------------------------------------------------------------------


def floor_arguments(name: str, role_records: dict) -> dict | None:
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    year = {
        "metric": "sales_amount",
        "kind": "year",
        "start": dt.date.fromisoformat(role_records["year_start"]),
        "end": dt.date.fromisoformat(role_records["year_end"]),
        "today": today,
    }
    if name in ("targets", "dashboard"):
        return year
    if name == "target":
        return {"target_id": role_records["target"], "today": today} if "target" in role_records else None
    if name in ("receivables", "receivables_api"):
        return {"today": today}
    if name == "report_inbox":
        return {"week_start": dt.date.fromisoformat(role_records["week_start"])}
    return {}


def run_floors(args, records: dict) -> list[dict]:
    """Each floor needed by an endpoint, timed as the endpoints are (warm-ups, then repeats), and
    its figures compared once with the application's."""
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection

    from bench import figures, floors

    needed = []
    for endpoint in ENDPOINTS:
        if endpoint.floor and (not args.only or args.only.lower() in endpoint.name.lower()):
            for role in endpoint.floor_roles:
                if role in endpoint.roles and (endpoint.floor, role) not in needed:
                    needed.append((endpoint.floor, role))
    rows = []
    for name, role in needed:
        kwargs = floor_arguments(name, records[role])
        if kwargs is None:
            continue
        function = floors.FLOORS[name]
        statements = [0]

        def count(execute, sql, params, many, context, statements=statements):
            statements[0] += 1
            return execute(sql, params, many, context)

        timings = []
        deadline = time.perf_counter() + args.max_seconds
        warmups = 0
        try:
            while len(timings) < args.repeat:
                statements[0] = 0
                with connection.execute_wrapper(count), connection.cursor() as cursor:
                    started = time.perf_counter()
                    result = function(cursor, connection.vendor, **kwargs)
                    elapsed = time.perf_counter() - started
                if warmups is not None:
                    # Warm-ups as for the pages: one is enough for a slow floor.
                    warmups += 1
                    if warmups >= max(args.warmup, 1) or elapsed > args.max_seconds / 5:
                        warmups = None
                    continue
                timings.append(elapsed * 1000)
                if time.perf_counter() > deadline and len(timings) >= MIN_SAMPLES:
                    break
        except DatabaseError as exc:  # the schema moved on: say so and go on with the others
            rows.append({"floor": name, "role": role, "error": f"{type(exc).__name__}: {exc}"[:300]})
            print(f"  floor {name:14} {role:8} failed: {rows[-1]['error']}", flush=True)
            continue
        user = get_user_model().objects.get(pk=records[role]["user_id"])
        try:
            differences = figures.differences(result, figures.FIGURES[name](user, **kwargs))[:10]
        except Exception as exc:  # the application changed shape: report it, keep the timing
            differences = [f"the check itself failed: {type(exc).__name__}: {exc}"]
        rows.append(
            {
                "floor": name,
                "role": role,
                "samples": len(timings),
                "median_ms": round(median(timings), 3),
                "p95_ms": round(percentile(timings, 95), 3),
                "statements": statements[0],
                "differences": differences,
            }
        )
        print(f"  floor {name:14} {role:8} p95 {rows[-1]['p95_ms']:8.2f} ms", flush=True)
    return rows


def attach_floors(endpoints: list[dict], floors: list[dict]) -> None:
    by_key = {(row["floor"], row["role"]): row for row in floors}
    for row in endpoints:
        floor = by_key.get((row.get("floor"), row["role"]))
        if floor and row.get("status") == 200 and floor.get("p95_ms"):
            row["floor_p95_ms"] = floor["p95_ms"]
            row["floor_ratio"] = round(row["p95_ms"] / floor["p95_ms"], 2)


# -- import and export ------------------------------------------------------------------------------


def _child(*argv: str) -> dict:
    """bench/io_bench.py in a process of its own: its peak memory is the measurement's alone."""
    command = [sys.executable, str(ROOT / "bench" / "io_bench.py"), *argv]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-4:]
        return {"error": " | ".join(line.strip() for line in tail) or f"exit {done.returncode}"}
    return json.loads(lines[-1])


def run_io(args) -> tuple[list[dict], list[dict]]:
    imports, exports = [], []
    for file_format in filter(None, args.import_formats.split(",")):
        print(f"  import {args.import_rows:,} customer rows from {file_format} ...", flush=True)
        row = _child(
            "import", "--rows", str(args.import_rows), "--format", file_format, "--actor", args.director
        )
        imports.append({"format": file_format, **row})
    for file_format in filter(None, args.export_formats.split(",")):
        print(f"  export the director's customer list as {file_format} ...", flush=True)
        full = _child("export", "--format", file_format, "--user", args.director)
        exports.append({"format": file_format, **full})
    return imports, exports


# -- main -------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    started = time.perf_counter()
    db = db_description()
    counts = db_counts()
    size = args.size or size_label(counts["customers"])
    print(
        f"SalesCore benchmark: {db['vendor']} {db['name']}, size {size} ({counts}), server {args.url}",
        flush=True,
    )
    load_1m = os.getloadavg()[0]
    if load_1m > (os.cpu_count() or 1):
        print(
            f"Warning: the machine is busy (load {load_1m:.1f} on {os.cpu_count()} cores): "
            "timings will be noisy"
        )
    records = pick_records({REP: args.rep, DIRECTOR: args.director})
    results: dict = {
        "meta": {
            "started": now_stamp(),
            "machine": machine_info(),
            "git": git_commit(),
            "db": db,
            "size": size,
            "counts": counts,
            "server": args.url,
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "logins": {REP: args.rep, DIRECTOR: args.director},
            "records": records,
            "settings": {
                k: getattr(args, k)
                for k in ("warmup", "repeat", "max_seconds", "threads", "duration", "import_rows", "only")
            },
        },
        "endpoints": [],
        "floors": [],
        "import": [],
        "export": [],
    }
    phases = results["meta"]["phase_seconds"] = {}
    if not args.skip_http:
        print("Pages and API:", flush=True)
        mark = time.perf_counter()
        results["endpoints"] = run_http(args, records, args.only)
        phases["http"] = round(time.perf_counter() - mark, 1)
    if not args.skip_floors:
        print("Floors (hand-written SQL, bench/floors.py):", flush=True)
        mark = time.perf_counter()
        results["floors"] = run_floors(args, records)
        attach_floors(results["endpoints"], results["floors"])
        phases["floors"] = round(time.perf_counter() - mark, 1)
    if not args.skip_io:
        print("Import and export:", flush=True)
        mark = time.perf_counter()
        results["import"], results["export"] = run_io(args)
        phases["import_export"] = round(time.perf_counter() - mark, 1)
    for row in results["endpoints"]:
        met, missed = report.endpoint_verdict(row)
        row["target_met"], row["missed"] = met, missed
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    results["meta"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    out = Path(args.out) if args.out else VAR_BENCH / f"bench-{db['vendor']}-{size}-{now_stamp()}.json"
    dump(results, out)
    print()
    print(f"== {db['vendor']} ({db['name']}), size {size}: {counts}")
    if results["endpoints"]:
        print(report.endpoints_table(results))
        measured = [r for r in results["endpoints"] if r.get("target_met") is not None]
        met = sum(1 for r in measured if r["target_met"])
        print(f"\nTargets met: {met} of {len(measured)} endpoint/role pairs")
    if results["floors"]:
        print()
        print(report.floors_table(results))
    for line in report.io_verdicts(results):
        print(line)
    if args.base:
        print()
        print(report.compare(results, Path(args.base)))
    spent = ", ".join(f"{name} {seconds} s" for name, seconds in phases.items())
    print(f"\nResults: {out}  ({results['meta']['seconds']} s: {spent})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
