"""Put back what the migrations seed, for transactional tests.

A transactional test (live server, Celery worker thread) commits its data, and the database is
flushed afterwards: the regions and the organisation tree the migrations ship go too. Tests that
need them call ``restore_seed()`` first. It runs the seed migration again, with the models as the
migrations define them, and does nothing where the seed is already there. (Django's
serialized_rollback would do the same, but clashes with the content types that a transactional
test without it re-creates, depending on the order the tests run in.)
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.db import connection
from django.db.migrations.loader import MigrationLoader

SEED_MIGRATION = "salescore.org.migrations.0002_seed_regions_and_default_tree"


@cache
def _migration_apps():
    return MigrationLoader(connection, ignore_no_migrations=True).project_state().apps


def restore_seed() -> None:
    import_module(SEED_MIGRATION).forwards(_migration_apps(), None)
