"""Import and export, in a process of their own (so its peak memory is theirs alone).

    python bench/io_bench.py import --rows 100000 --format csv --actor bench_director
    python bench/io_bench.py export --format xlsx --user bench_director

Both print one JSON object on stdout. DATABASE_URL selects the database, as for manage.py.

Import runs the project's import engine as the Celery task does (salescore.imports.services:
upload, mapping, dry run, import; all or nothing, duplicates skipped) on generated rows that are
new, unique customers (credit codes, phones and e-mails under a tag no existing customer uses).
The upload limit (imports.models.MAX_ROWS, MAX_FILE_BYTES) splits the rows into several files,
as a user would. Everything runs inside one transaction that is rolled back at the end, so the
database is left as it was and the next run meets the same data.

Export calls the customer list's export view (salescore.customers.views.customer_export) as the
user, and streams the response to /dev/null, sampling its memory: the export is "constant
memory" when the peak is hardly above the size a tenth of the way through (bench/report.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

CITIES = ("杭州", "宁波", "苏州", "南京", "上海", "广州", "深圳", "成都", "武汉", "西安", "青岛", "厦门")
WORDS = ("精工", "华信", "远航", "恒泰", "博创", "鼎盛", "新科", "瑞达", "宏图", "天成", "中联", "启明")
TRADES = ("机械", "电子", "智能装备", "材料", "自动化", "仪器", "物流", "软件", "化工", "医疗器械")
SUFFIXES = ("有限公司", "股份有限公司", "科技有限公司")
HEADERS = [
    "客户名称",
    "类型",
    "统一社会信用代码",
    "行业",
    "规模",
    "等级",
    "地区",
    "地址",
    "来源",
    "负责人",
    "电话",
    "邮箱",
    "网站",
    "标签",
    "备注",
]


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """The resident set size now (Linux), in MB."""
    return _status_mb("VmRSS") or 0.0


def peak_mb() -> float:
    """This process's peak resident set size, in MB. VmHWM belongs to the process's own memory
    map; getrusage's ru_maxrss would also count the parent's size at fork time, which Linux
    carries across exec."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- import ---------------------------------------------------------------------------------------


def _tag() -> tuple[str, str]:
    """A run tag no existing customer's credit code or phone starts with: (letters, two digits)."""
    from salescore.customers.identity import CREDIT_CODE_ALPHABET
    from salescore.customers.models import Customer

    letters = [ch for ch in CREDIT_CODE_ALPHABET if ch.isalpha()]
    rng = random.Random()  # noqa: S311 - not a secret
    for _attempt in range(50):
        code = "Y" + "".join(rng.choice(letters) for _ in range(5))
        digits = f"{rng.randrange(100):02d}"
        taken = (
            Customer.all_objects.filter(credit_code__startswith=code).exists()
            or Customer.all_objects.filter(phone_key__startswith="19" + digits).exists()
        )
        if not taken:
            return code, digits
    raise SystemExit("no free tag for generated customers: every one tried is in use")


def generate_rows(count: int) -> list[list[str]]:
    """``count`` new, unique customers as a spreadsheet's rows (Chinese labels, like a user's file)."""
    from django.utils import translation

    from salescore.customers.identity import credit_code_check_char
    from salescore.customers.models import Channel, Industry, Size, Tier
    from salescore.org.models import Person, Region

    code, digits = _tag()
    rng = random.Random(count)  # noqa: S311
    with translation.override("zh-hans"):
        industries = [str(label) for _v, label in Industry.choices]
        sizes = [str(label) for _v, label in Size.choices]
        tiers = [value for value, _label in Tier.choices]
        sources = [str(label) for _v, label in Channel.choices]
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE).values_list("name", flat=True))
    owners = list(
        Person.objects.filter(position="rep", status="active")
        .order_by("pk")
        .values_list("employee_no", flat=True)
    )
    if not owners or not provinces:
        raise SystemExit("the database has no active reps or no provinces: run gen_data or load_demo first")
    rows = []
    for i in range(count):
        first17 = f"{code}{i:011d}"
        place, word, trade = rng.choice(CITIES), rng.choice(WORDS), rng.choice(TRADES)
        name = f"{place}{word}{trade}{code[1:]}{i:06d}{rng.choice(SUFFIXES)}"
        rows.append(
            [
                name,
                "企业",
                first17 + credit_code_check_char(first17),
                rng.choice(industries),
                rng.choice(sizes),
                rng.choice(tiers),
                rng.choice(provinces),
                f"{rng.choice(CITIES)}市科技路{rng.randrange(1, 999)}号",
                rng.choice(sources),
                owners[i % len(owners)],
                f"19{digits}{i:07d}",
                f"bench.{code.lower()}.{i}@example.invalid",
                f"https://www.{code.lower()}{i}.example.cn",
                "重点, 华东" if i % 10 == 0 else "",
                "基准测试导入" if i % 4 == 0 else "",
            ]
        )
    return rows


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def files_for(rows: list[list[str]], file_format: str) -> list[tuple[str, bytes, int]]:
    """The rows as upload-sized files: at most MAX_ROWS rows and MAX_FILE_BYTES each."""
    from salescore.imports.models import MAX_FILE_BYTES, MAX_ROWS

    encode = _csv_bytes if file_format == "csv" else _xlsx_bytes
    files = []
    per_file = MAX_ROWS
    start = 0
    while start < len(rows):
        chunk = rows[start : start + per_file]
        content = encode(chunk)
        if len(content) > MAX_FILE_BYTES and len(chunk) > 1:
            per_file = max(1, int(len(chunk) * MAX_FILE_BYTES / len(content) * 0.95))
            continue
        files.append((f"customers-{len(files) + 1}.{file_format}", content, len(chunk)))
        start += len(chunk)
    return files


def run_import(rows: int, file_format: str, actor_name: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from salescore.customers.models import Customer
    from salescore.imports import services
    from salescore.imports.models import ImportJob

    actor = get_user_model().objects.get(username=actor_name)
    started = time.perf_counter()
    data = generate_rows(rows)
    files = files_for(data, file_format)
    generated = time.perf_counter() - started
    before = Customer.all_objects.count()
    totals = {"upload_s": 0.0, "check_s": 0.0, "run_s": 0.0, "validated": 0, "created": 0, "errors": 0}
    problems: list[str] = []
    with transaction.atomic():
        for file_name, content, count in files:
            t0 = time.perf_counter()
            job = services.import_job_create(
                actor=actor, kind="customers", file_name=file_name, content=content
            )
            job = services.import_job_set_mapping(actor=actor, job=job, mapping=job.mapping)
            t1 = time.perf_counter()
            services.import_job_prepare_check(
                actor=actor, job=job, duplicate_policy="skip", error_policy="all_or_nothing"
            )
            job = services.import_job_check(job_id=job.pk)
            t2 = time.perf_counter()
            if job.status != ImportJob.Status.VALIDATED or job.error_count or job.skipped_count:
                issues = list(job.issues.values_list("row", "field", "reason")[:3])
                problems.append(
                    f"{file_name}: dry run {job.status}, {job.error_count} errors, "
                    f"{job.skipped_count} skipped, {job.message} {issues}"
                )
                break
            services.import_job_prepare_run(actor=actor, job=job)
            job = services.import_job_run(job_id=job.pk)
            t3 = time.perf_counter()
            if job.status != ImportJob.Status.DONE or job.created_count != count:
                problems.append(f"{file_name}: import {job.status}, {job.created_count} of {count} created")
            totals["upload_s"] += t1 - t0
            totals["check_s"] += t2 - t1
            totals["run_s"] += t3 - t2
            totals["validated"] += job.processed_rows
            totals["created"] += job.created_count
            totals["errors"] += job.error_count
        written = Customer.all_objects.count() - before
        transaction.set_rollback(True)  # leave the database as it was
    left = Customer.all_objects.count() - before
    return {
        "what": "import",
        "format": file_format,
        "rows": rows,
        "files": len(files),
        "file_mb": round(sum(len(c) for _n, c, _r in files) / 1024 / 1024, 2),
        "generate_s": round(generated, 2),
        "upload_s": round(totals["upload_s"], 2),
        "check_s": round(totals["check_s"], 2),
        "run_s": round(totals["run_s"], 2),
        "validated_rows_per_s": round(totals["validated"] / totals["check_s"], 1)
        if totals["check_s"]
        else None,
        "written_rows_per_s": round(totals["created"] / totals["run_s"], 1) if totals["run_s"] else None,
        "created": totals["created"],
        "written_before_rollback": written,
        "left_after_rollback": left,
        "problems": problems,
        "peak_rss_mb": round(peak_mb(), 1),
        "vendor": connection.vendor,
    }


# -- export ---------------------------------------------------------------------------------------


class RssSampler:
    """The resident set size every 50 ms while an export runs, to see whether it grows with the
    rows: the rows are read at a steady pace, so the size a tenth of the way through the export
    stands for "a tenth of the rows"."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.perf_counter()
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - start, rss_mb()))
            self._stop.wait(0.05)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, fraction: float) -> float | None:
        if not self.samples:
            return None
        moment = self.samples[-1][0] * fraction
        return next((rss for when, rss in self.samples if when >= moment), self.samples[-1][1])


def run_export(file_format: str, username: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.utils import translation

    from salescore.customers import views

    user = get_user_model().objects.get(username=username)
    request = RequestFactory().get("/customers/export.csv", {"format": file_format})
    request.user = user
    _form, queryset = views._customer_queryset(request)
    rows = queryset.count()
    baseline = rss_mb()
    size = 0
    with translation.override("zh-hans"), open(os.devnull, "wb") as sink, RssSampler() as sampler:
        started = time.perf_counter()
        response = views.customer_export(request)
        for chunk in response.streaming_content:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            size += len(data)
            sink.write(data)
        seconds = time.perf_counter() - started
    peak = peak_mb()
    tenth = sampler.at(0.1)
    return {
        "what": "export",
        "format": file_format,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
        "mb": round(size / 1024 / 1024, 2),
        "baseline_rss_mb": round(baseline, 1),
        "rss_at_tenth_mb": round(tenth, 1) if tenth is not None else None,
        "peak_rss_mb": round(peak, 1),
        "growth_mb": round(peak - tenth, 1) if tenth is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("--rows", type=int, default=100_000)
    imp.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    imp.add_argument("--actor", default="bench_director")
    exp = sub.add_parser("export")
    exp.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    exp.add_argument("--user", default="bench_director")
    args = parser.parse_args()
    setup_django()
    if args.what == "import":
        result = run_import(args.rows, args.format, args.actor)
    else:
        result = run_export(args.format, args.user)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
