"""Reads of import jobs: a person sees their own jobs; those who see everything see all of them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from salescore.core.permissions import Scope, access_for
from salescore.imports.models import ImportIssue, ImportJob


def import_jobs_for(user) -> QuerySet[ImportJob]:
    # The file stays in the database row: lists never load it.
    jobs = ImportJob.objects.defer("content", "preview").select_related("created_by__person")
    access = access_for(user)
    if access.user_id is None:
        return jobs.none()
    if access.scope == Scope.ALL:
        return jobs
    return jobs.filter(created_by_id=access.user_id)


def import_job_get_for_user(*, user, pk) -> ImportJob:
    try:
        return import_jobs_for(user).defer(None).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def import_issues(job: ImportJob, *, level: str | None = None) -> QuerySet[ImportIssue]:
    rows = ImportIssue.objects.filter(job=job)
    if level:
        rows = rows.filter(level=level)
    return rows.order_by("row", "id")
