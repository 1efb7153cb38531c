import time

from django.core.management.base import BaseCommand

from salescore.planning import figures


class Command(BaseCommand):
    help = (
        "Recompute the figures kept per person and day for the days writes have touched (decision "
        "0013); with --rebuild, every figure from the records. Run it after upgrading a large "
        "database, so the first dashboard does not do it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute every day, not only stale ones."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = figures.rebuild() if options["rebuild"] else figures.refresh()
        self.stdout.write(f"{written:,} figure rows written in {time.perf_counter() - started:.1f} s.")
