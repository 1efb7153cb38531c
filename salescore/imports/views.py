"""Import pages: upload > map the columns > dry run (preview with errors) > import with a progress
bar > summary. Thin: parse the form, call a service or selector, start the task, render."""

from __future__ import annotations

from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescore.core.errors import ApplicationError
from salescore.core.export import FORMATS, export_response
from salescore.core.pagination import paginate
from salescore.core.permissions import access_for, require
from salescore.core.web import form_error
from salescore.imports import engine, registry, selectors, services, tasks
from salescore.imports.forms import MappingForm, PolicyForm, UploadForm, kinds_for
from salescore.imports.models import MAX_FILE_BYTES, ImportIssue, ImportJob

LIST_PAGES = {"customers": "customers:list", "contacts": "customers:list", "leads": "leads:list"}
SAMPLE_ROWS = 3


@login_required
def job_list(request):
    kinds = kinds_for(request.user)
    if not kinds:
        raise Http404
    form = UploadForm(user=request.user)
    jobs = selectors.import_jobs_for(request.user)
    page = paginate(jobs, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    return render(request, "imports/list.html", _list_context(request, form, page, kinds))


def _list_context(request, form, page, kinds):
    return {
        "form": form,
        "page": page,
        "kinds": kinds,
        "sees_all": access_for(request.user).scope == "all",
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
    }


@login_required
@require_POST
def job_create(request):
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                content=upload.read(MAX_FILE_BYTES + 1),
                header_row=form.cleaned_data["header_row"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            return redirect("imports:detail", pk=job.pk)
    page = paginate(selectors.import_jobs_for(request.user), page=1)
    return render(
        request, "imports/list.html", _list_context(request, form, page, kinds_for(request.user)), status=400
    )


def _samples(job: ImportJob) -> list[list[str]]:
    return [cells for _row, cells in islice(engine.data_rows(job), SAMPLE_ROWS)]


def _list_url(job: ImportJob) -> str | None:
    try:
        return reverse(LIST_PAGES[job.kind])
    except (KeyError, NoReverseMatch):
        return None


def _detail(request, job: ImportJob, *, mapping_form=None, policy_form=None, status=200):
    issues = selectors.import_issues(job)
    page = paginate(issues, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 50))
    context = {
        "job": job,
        "importer": registry.get(job.kind),
        "issues_page": page,
        "processed": engine.processed_rows(job),
        "list_url": _list_url(job),
        "can_edit": not job.is_busy and not job.is_finished,
    }
    if context["can_edit"] and (mapping_form is not None or job.status != ImportJob.Status.VALIDATED):
        context["mapping_form"] = mapping_form or MappingForm(job=job, samples=_samples(job))
    if job.status == ImportJob.Status.VALIDATED:
        context["policy_form"] = policy_form or PolicyForm(
            initial={"duplicate_policy": job.duplicate_policy, "error_policy": job.error_policy}
        )
        context["preview_columns"] = engine.preview_columns(job)
    return render(request, "imports/detail.html", context, status=status)


@login_required
def job_detail(request, pk: int):
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    if request.GET.get("remap") and job.status == ImportJob.Status.VALIDATED:
        return _detail(request, job, mapping_form=MappingForm(job=job, samples=_samples(job)))
    return _detail(request, job)


@login_required
@require_POST
def job_mapping(request, pk: int):
    """Save the mapping and start the dry run."""
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    form = MappingForm(request.POST, job=job, samples=_samples(job))
    if form.is_valid():
        try:
            services.import_job_set_mapping(actor=request.user, job=job, mapping=form.mapping())
            services.import_job_prepare_check(actor=request.user, job=job)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for key, message in exc.fields.items():
                name = f"col_{key}"
                form.add_error(name if name in form.fields else None, str(message))
        else:
            tasks.enqueue(tasks.import_check, job.pk)
            return redirect("imports:detail", pk=job.pk)
    return _detail(request, job, mapping_form=form, status=400)


def _policies(request, job: ImportJob):
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data


@login_required
@require_POST
def job_check(request, pk: int):
    """The dry run again, e.g. with another choice for duplicates."""
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    form, policies = _policies(request, job)
    if policies is not None:
        try:
            services.import_job_prepare_check(actor=request.user, job=job, **policies)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            tasks.enqueue(tasks.import_check, job.pk)
        return redirect("imports:detail", pk=job.pk)
    return _detail(request, job, policy_form=form, status=400)


@login_required
@require_POST
def job_run(request, pk: int):
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    form, policies = _policies(request, job)
    if policies is not None:
        try:
            services.import_job_prepare_run(actor=request.user, job=job, **policies)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            tasks.enqueue(tasks.import_run, job.pk)
        return redirect("imports:detail", pk=job.pk)
    return _detail(request, job, policy_form=form, status=400)


@login_required
@require_GET
def job_progress(request, pk: int):
    """The progress bar, polled every second while the job runs; once it has finished the whole
    page reloads to show the preview or the summary."""
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    if not job.is_busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request, "imports/_partials/progress.html", {"job": job, "processed": engine.processed_rows(job)}
    )


@login_required
@require_POST
def job_delete(request, pk: int):
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    try:
        services.import_job_delete(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("imports:detail", pk=job.pk)
    messages.success(request, _("The import %(name)s is deleted.") % {"name": job.file_name})
    return redirect("imports:list")


@login_required
@require_GET
def job_errors(request, pk: int):
    """The problems of the last check or import: row, column, reason (CSV or XLSX)."""
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    levels = dict(ImportIssue.Level.choices)
    rows = (
        (issue.row, issue.column, issue.reason, levels.get(issue.level, issue.level))
        for issue in selectors.import_issues(job).iterator(chunk_size=2000)
    )
    return export_response(
        header=[_("Row"), _("Column"), _("Reason"), _("Result")],
        rows=rows,
        name=f"import-{job.pk}-problems",
        file_format=request.GET.get("format") if request.GET.get("format") in FORMATS else "csv",
    )


@login_required
@require_GET
def template_file(request, kind: str, file_format: str):
    """An empty file with the column names (in the page's language) and one example row."""
    if kind not in registry.REGISTRY or file_format not in FORMATS:
        raise Http404
    importer = registry.get(kind)
    require(request.user, importer.capability)
    header = [str(column.label) for column in importer.columns]
    example = [importer.example.get(column.name, "") for column in importer.columns]
    return export_response(header=header, rows=[example], name=f"import-{kind}", file_format=file_format)
