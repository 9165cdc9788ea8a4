from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mingjing.datahub.models import DATASET_CHOICES


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Dataset"), choices=[("", "---------"), *DATASET_CHOICES])
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or TXT (UTF-8 or GBK), XLSX or XLS. The header row may sit under title rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xls"}),
    )
    sheet = forms.CharField(
        label=_("Sheet name"),
        required=False,
        max_length=255,
        help_text=_("Workbooks only; the first sheet when left empty."),
    )
    force = forms.BooleanField(
        label=_("Force a repeat import"),
        required=False,
        help_text=_("Import even if a file with exactly the same content was imported before."),
    )
    replace = forms.BooleanField(
        label=_("Replace existing data"),
        required=False,
        help_text=_(
            "When the import succeeds, every active batch of this dataset is superseded. Retracting this batch brings them back."
        ),
    )
