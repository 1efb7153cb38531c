from django.core.management.base import BaseCommand
from django.test import override_settings

from salescore.demo import campaigns, company, customers, leads, orders, pipeline, pool
from salescore.demo import planning as planning_demo
from salescore.demo import service as service_demo
from salescore.planning import figures


class Command(BaseCommand):
    help = (
        "Load the demo company (星海智能装备有限公司): each part (organisation, customers, catalogue "
        "and sales history) only when it has no data yet, so your data is kept. Then print the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-if-loaded", action="store_true", help="Say nothing more when data exists."
        )

    def handle(self, *args, **options):
        # The demo replays months of history: its notifications go to the inboxes, but nobody
        # should be e-mailed (or the console flooded) for events that "happened" long ago.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._load()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {company.DEMO_PASSWORD}):")
        for login in company.demo_logins():
            self.stdout.write(f"  {login.username:<12} {login.name:<6} {login.role}")

    def _load(self):
        if company.is_loaded():
            self.stdout.write("Organisation already present: kept as it is.")
        else:
            company.load()
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        if customers.is_loaded():
            self.stdout.write("Customers already present: kept as they are.")
        else:
            count = customers.load()
            self.stdout.write(self.style.SUCCESS(f"Demo customers loaded: {count}."))
        if pipeline.is_loaded():
            self.stdout.write("Catalogue and opportunities already present: kept as they are.")
        else:
            made = pipeline.load()
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo catalogue and sales history loaded: {products} products, {scripts} scripts, "
                    "{opportunities} opportunities, {activities} activities.".format(**made)
                )
            )
        leads.load_into(self)  # after the pipeline part: converted leads create opportunities
        campaigns.load_into(self)  # after the leads it attributes; before orders: its won deals get one
        orders.load_into(self)  # after the pipeline part: quotes are made on its opportunities
        if pool.is_loaded():
            self.stdout.write("Public pool history already present: kept as it is.")
        else:
            made = pool.load()  # after leads and opportunities: only customers with neither go
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo public pool loaded: {released} released, {swept} swept back; "
                    "{duplicates} look-alike customers to try the merge on.".format(**made)
                )
            )
        service_demo.load_into(self)  # after orders: delivered orders plan their return visits
        planning_demo.load_into(self)  # last: targets are measured against everything above
        figures.refresh()  # the days the demo wrote, so the first dashboard needs no recomputing
