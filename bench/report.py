"""The benchmark's output: the table on stdout, the verdict against the targets and the comparison
with an earlier run (``--base``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

FLOOR_RATIO = 1.3
IMPORT_ROWS_PER_S = 10_000
# Export memory is "constant" when its peak is at most this much above its size a tenth of the way
# through (the interpreter, Django and the first chunk are there from the start).
EXPORT_GROWTH_MB = 32


def endpoint_verdict(row: dict) -> tuple[bool | None, list[str]]:
    """(met?, what missed) for one endpoint and role; None when it could not be measured."""
    if row.get("status") != 200:
        return None, [f"HTTP {row.get('status')}"]
    missed = []
    if row["p95_ms"] > row["target_ms"]:
        missed.append(f"p95>{row['target_ms']:g}ms")
    over = row.get("query_target") is not None and (row.get("queries") or 0) > row["query_target"]
    if over:
        missed.append(f"queries>{row['query_target']}")
    if row.get("floor_ratio") is not None and row["floor_ratio"] > FLOOR_RATIO:
        missed.append(f"floor>{FLOOR_RATIO}x")
    return not missed, missed


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [
        max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
        for i in range(len(header))
    ]

    def line(cells):
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def endpoints_table(results: dict) -> str:
    header = [
        "endpoint",
        "role",
        "median ms",
        "p95 ms",
        "rps",
        "queries",
        "floor p95",
        "ratio",
        "target met?",
    ]
    rows = []
    for row in results["endpoints"]:
        met, missed = endpoint_verdict(row)
        verdict = "n/a " + ", ".join(missed) if met is None else ("yes" if met else "NO " + ", ".join(missed))
        rows.append(
            [
                row["endpoint"],
                row["role"],
                _fmt(row.get("median_ms")),
                _fmt(row.get("p95_ms")),
                _fmt(row.get("rps")),
                _fmt(row.get("queries")),
                _fmt(row.get("floor_p95_ms"), 2),
                _fmt(row.get("floor_ratio"), 1) + ("x" if row.get("floor_ratio") is not None else ""),
                verdict,
            ]
        )
    return _table(header, rows, right={2, 3, 4, 5, 6, 7})


def floors_table(results: dict) -> str:
    header = ["floor", "role", "median ms", "p95 ms", "statements", "same figures as the page?"]
    rows = []
    for row in results.get("floors", []):
        if "error" in row:
            rows.append([row["floor"], row["role"], "-", "-", "-", f"failed: {row['error'][:80]}"])
            continue
        same = "yes" if not row["differences"] else f"NO ({len(row['differences'])}): {row['differences'][0]}"
        rows.append(
            [
                row["floor"],
                row["role"],
                _fmt(row["median_ms"], 2),
                _fmt(row["p95_ms"], 2),
                str(row["statements"]),
                same,
            ]
        )
    return _table(header, rows, right={2, 3, 4})


def io_verdicts(results: dict) -> list[str]:
    lines = []
    for row in results.get("import", []):
        if "error" in row:
            lines.append(f"import {row.get('format')}: failed: {row['error']}")
            continue
        met = (row.get("validated_rows_per_s") or 0) >= IMPORT_ROWS_PER_S and not row["problems"]
        lines.append(
            f"import {row['format']:4}  {row['rows']:>9,} rows in {row['files']} file(s), "
            f"{row['file_mb']} MB: "
            f"upload {row['upload_s']} s, dry run {row['check_s']} s = {_fmt(row['validated_rows_per_s'])} "
            f"validated rows/s, import {row['run_s']} s = {_fmt(row['written_rows_per_s'])} written rows/s"
            f"  [target >= {IMPORT_ROWS_PER_S:,} validated rows/s: {'yes' if met else 'NO'}]"
            + (f"  problems: {row['problems']}" if row["problems"] else "")
        )
    for row in results.get("export", []):
        if "error" in row:
            lines.append(f"export {row.get('format')}: failed: {row['error']}")
            continue
        growth = row.get("growth_mb")
        constant = growth is not None and growth <= EXPORT_GROWTH_MB
        lines.append(
            f"export {row['format']:4}  {row['rows']:>9,} rows, {row['mb']} MB in {row['seconds']} s "
            f"({_fmt(row['rows_per_s'])} rows/s); memory {row.get('rss_at_tenth_mb')} MB a tenth of the way, "
            f"peak {row['peak_rss_mb']} MB (growth {growth} MB)"
            f"  [constant memory (growth <= {EXPORT_GROWTH_MB} MB): {'yes' if constant else 'NO'}]"
        )
    return lines


def compare(results: dict, base_file: Path) -> str:
    """Per endpoint and role: p95 now / p95 then, and the query counts."""
    base = json.loads(base_file.read_text())
    before = {(r["endpoint"], r["role"]): r for r in base.get("endpoints", [])}
    header = ["endpoint", "role", "p95 then", "p95 now", "now/then", "queries then", "queries now"]
    rows = []
    for row in results["endpoints"]:
        old = before.get((row["endpoint"], row["role"]))
        if old is None or old.get("status") != 200 or row.get("status") != 200:
            continue
        ratio = row["p95_ms"] / old["p95_ms"] if old["p95_ms"] else float("nan")
        rows.append(
            [
                row["endpoint"],
                row["role"],
                _fmt(old["p95_ms"]),
                _fmt(row["p95_ms"]),
                f"{ratio:.2f}x",
                _fmt(old.get("queries")),
                _fmt(row.get("queries")),
            ]
        )
    meta = base.get("meta", {})
    then = (meta.get("db", {}).get("vendor"), meta.get("size"))
    now = (results["meta"]["db"]["vendor"], results["meta"]["size"])
    note = (
        ""
        if then == now
        else f"\n(Note: that run was on {then[0]} size {then[1]}, this one on {now[0]} size {now[1]}.)"
    )
    title = (
        f"Against {base_file.name} ({meta.get('db', {}).get('vendor', '?')}, size {meta.get('size', '?')}, "
        f"commit {str(meta.get('git', {}).get('commit', ''))[:10]}):"
    )
    return title + note + "\n" + _table(header, rows, right={2, 3, 4, 5, 6})
