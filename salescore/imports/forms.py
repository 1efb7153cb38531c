"""Forms of the import pages: upload, column mapping, how to import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salescore.core.permissions import access_for
from salescore.imports import registry
from salescore.imports.models import ImportJob


def kinds_for(user) -> list[tuple[str, str]]:
    access = access_for(user)
    return [
        (value, label)
        for value, label in ImportJob.Kind.choices
        if value in registry.REGISTRY and access.can(registry.get(value).capability)
    ]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK, as Excel saves it) or Excel .xlsx; the first sheet is read."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    header_row = forms.IntegerField(
        label=_("Row with the column names"), min_value=1, max_value=100, initial=1
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(user)


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds, or ignore it."""

    def __init__(self, *args, job: ImportJob, samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        importer = registry.get(job.kind)
        choices = [("", _("— Ignore this column —"))] + [
            (column.name, f"{column.label}{' *' if column.required else ''}") for column in importer.columns
        ]
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=job.mapping.get(str(index), ""),
            )
            self.columns.append(
                {
                    "field": self[name],
                    "header": header,
                    "samples": [row[index] if index < len(row) else "" for row in samples],
                }
            )

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("col_"): value for name, value in self.cleaned_data.items() if value}


class PolicyForm(forms.Form):
    duplicate_policy = forms.ChoiceField(
        label=_("Rows that match an existing record"),
        choices=ImportJob.DuplicatePolicy.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    error_policy = forms.ChoiceField(
        label=_("Rows with errors"),
        choices=ImportJob.ErrorPolicy.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
