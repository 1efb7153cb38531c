import time

from django.core.management.base import BaseCommand

from salescore.orders import receivables
from salescore.pipeline import counts
from salescore.planning import figures


class Command(BaseCommand):
    help = (
        "Recompute the figures kept per person and day for the days writes have touched (decision "
        "0013), the pipeline board's counts of the owners they have touched (decision 0015) and the "
        "receivables of the customers they have touched or whose instalments fell due (decision 0016); "
        "with --rebuild, every figure and count from the records. Run it after upgrading a large "
        "database, so the first dashboard or board does not do it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute every day, not only stale ones."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        rebuild = options["rebuild"]
        written = figures.rebuild() if rebuild else figures.refresh()
        counted = counts.rebuild() if rebuild else counts.refresh()
        owed = receivables.rebuild() if rebuild else receivables.refresh()
        self.stdout.write(
            f"{written:,} figure rows, {counted:,} board count rows and {owed:,} receivable rows written "
            f"in {time.perf_counter() - started:.1f} s."
        )
