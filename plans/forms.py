"""Every input FixTracker accepts is validated here."""

from django import forms

from plans.models import Priority, Status


class DashboardFilterForm(forms.Form):
    label_suffix = ""

    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    priority = forms.ChoiceField(
        label="Priority", required=False, choices=[("", "Any priority"), *Priority.choices]
    )
