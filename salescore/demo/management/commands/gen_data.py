import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from salescore.demo.company import DEMO_PASSWORD
from salescore.demo.gendata.context import SIZES, Plan
from salescore.demo.gendata.run import GenerationRefused, manifest_path, run, write_manifest


class Command(BaseCommand):
    help = (
        "Generate a realistic company at scale for benchmarks, in the database DATABASE_URL names "
        "(SQLite or PostgreSQL): 200 reps in 20 teams with their leads, heads and director, and "
        "customers with contacts, opportunities and their stage history, activities, leads, orders "
        "with lines, payments and shipments, tickets and this year's targets. Sizes: S = 2,000 "
        "customers, M = 100,000, L = 1,000,000 (about 3 opportunities, 10 activities and 2 orders per "
        "customer). Rows are written in bulk (COPY on PostgreSQL, batched inserts on SQLite) with the "
        "indexes rebuilt afterwards, then VACUUM ANALYZE on PostgreSQL. Derived columns (name/phone "
        "keys, totals, paths, numbers and their sequences) are kept right, but no audit history is "
        "written for generated records. Creates the schema if needed and refuses a database that has "
        "customers or people unless --reset is given. Logins: bench_director, bench_head, bench_lead, "
        f"bench_rep, bench_admin and others, password {DEMO_PASSWORD}. At the end it prints a report "
        "per table and one line 'MANIFEST {json}', and writes the same JSON (size, counts, seconds) "
        "to var/gen-data-<database name>.json unless --manifest says otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", choices=sorted(SIZES), help="S (2,000 customers), M (100,000), L (1,000,000)."
        )
        parser.add_argument(
            "--customers", type=int, help="Any number of customers; everything else in proportion."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")
        parser.add_argument("--batch", type=int, default=50_000, help="Rows per COPY / INSERT batch.")
        parser.add_argument("--reset", action="store_true", help="Delete all business data first (fast).")
        parser.add_argument("--manifest", help="Where to write the JSON manifest; '-' writes none.")

    def handle(self, *args, **options):
        if options["customers"] is not None:
            if options["customers"] < 1:
                raise CommandError("--customers must be at least 1.")
            plan = Plan(customers=options["customers"], size=options["size"] or "custom")
        elif options["size"]:
            plan = Plan.for_size(options["size"])
        else:
            raise CommandError("Choose --size S|M|L or --customers N.")
        connection = connections[DEFAULT_DB_ALIAS]
        self.stdout.write(
            f"Generating {plan.customers:,} customers ({plan.size}) into {connection.vendor} "
            f"database {connection.settings_dict['NAME']} (seed {options['seed']})."
        )
        try:
            result = run(
                plan,
                seed=options["seed"],
                batch=options["batch"],
                reset=options["reset"],
                say=lambda message: self.stdout.write(f"  {message}"),
            )
        except GenerationRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["manifest"] != "-":
            write_manifest(
                result, Path(options["manifest"]) if options["manifest"] else manifest_path(connection)
            )
        self._report(result)

    def _report(self, result) -> None:
        out = self.stdout.write
        out("")
        out(f"{'table':<34}{'rows':>13}{'write s':>10}{'rows/s':>12}")
        for name, rows, seconds in result.tables:
            rate = f"{rows / seconds:,.0f}" if seconds > 0 else "-"
            out(f"{name:<34}{rows:>13,}{seconds:>10.2f}{rate:>12}")
        out("")
        for name, seconds in result.phases:
            out(f"{name:<44}{seconds:>10.2f} s")
        out(
            self.style.SUCCESS(
                f"Total: {result.rows:,} rows in {result.seconds:.1f} s "
                f"({result.rows / max(result.seconds, 1e-9):,.0f} rows/s overall)."
            )
        )
        if result.manifest_path:
            out(f"Manifest: {result.manifest_path}")
        out("")
        out(f"Logins (password for all: {DEMO_PASSWORD}):")
        for username, name, role in result.logins:
            out(f"  {username:<16} {name:<6} {role}")
        out("MANIFEST " + json.dumps(result.manifest(), ensure_ascii=False))
