"""Forms of the process configuration pages. They only parse input; the rules live in
pipeline.services (stage_update, script_save)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import Product
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Stage


class StageForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=60, required=False)
    probability = forms.DecimalField(
        label=_("Win probability (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    entry_gates = forms.MultipleChoiceField(
        label=_("Entry criteria"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("An opportunity enters this stage only when all checked criteria are met."),
    )
    exit_note = forms.CharField(
        label=_("Exit criteria (for people)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    active = forms.BooleanField(label=_("In use"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form so the labels follow the viewer's language.
        self.fields["entry_gates"].choices = [(key, gate.label) for key, gate in GATES.items()]


class ScriptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.order_by("sort_order"))
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.select_related("category").order_by("code"),
        required=False,
        empty_label=_("Any product (standard script)"),
        help_text=_("Choose a product for a script that applies only when it is proposed."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 10}))
    checklist = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("One item per line."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].label_from_instance = lambda p: f"{p.code} {p.display_name}"
