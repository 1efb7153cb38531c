"""Import jobs: a file of customers, contacts or leads on its way in, and what went wrong per row.

The uploaded file is kept in the database (``content``): it works the same on SQLite and
PostgreSQL, in CI and with a Celery worker on another machine, and it goes when the job goes.
Files are small (``MAX_FILE_BYTES``), so this costs little.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        CONTACTS = "contacts", _("Contacts")
        LEADS = "leads", _("Leads")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Columns mapped")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class DuplicatePolicy(models.TextChoices):
        # Creating an exact duplicate anyway is no choice: entry refuses duplicates (R3.2).
        SKIP = "skip", _("Skip rows that match an existing record")
        UPDATE = "update", _("Update the existing record with the row's filled-in values")

    class ErrorPolicy(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: import only if every row is valid")
        SKIP_BAD_ROWS = "skip_bad_rows", _("Skip bad rows: import the valid rows, list the others")

    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    content = models.BinaryField(editable=False)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    header_row = models.PositiveSmallIntegerField(_("header row"), default=1)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    # {"<column index>": "<field name>"}; columns not in it are ignored.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=16, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    error_policy = models.CharField(
        _("bad rows"), max_length=16, choices=ErrorPolicy.choices, default=ErrorPolicy.ALL_OR_NOTHING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    # The first rows as they will be imported: [{"row": n, "outcome": ..., "values": [...]}].
    preview = models.JSONField(default=list, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    validated_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_owner_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ImportIssue(models.Model):
    """One problem with one row: an error (the row is not imported) or a skip (a duplicate)."""

    class Level(models.TextChoices):
        ERROR = "error", _("Error")
        SKIPPED = "skipped", _("Skipped")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    field = models.CharField(max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.ERROR)

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="importissue_job_row_idx")]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"
