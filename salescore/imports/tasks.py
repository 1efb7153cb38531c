"""Background work for imports. Thin wrappers: the services hold the rules.

In the embedded default (no REDIS_URL) tasks run eagerly, in the request that started them.
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from salescore.core.audit import audit_context
from salescore.imports import services


@shared_task(name="salescore.imports.tasks.import_check")
def import_check(job_id: int) -> str:
    with audit_context(origin="task"):
        return services.import_job_check(job_id=job_id).status


@shared_task(name="salescore.imports.tasks.import_run")
def import_run(job_id: int) -> str:
    with audit_context(origin="task"):
        return services.import_job_run(job_id=job_id).status


def enqueue(task, job_id: int) -> None:
    """Run the task once the job's new status is committed. Eager (no broker configured): here and
    now with apply(), which leaves broker connections alone."""

    def launch() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            task.apply(args=[job_id])
        else:
            task.delay(job_id)

    transaction.on_commit(launch)
