"""The parts of a plan edited as one form each: the header, overview, notes and rollback."""

from dataclasses import dataclass

from plans import forms


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    form: type[forms.MergingForm]
    template: str


SECTIONS = {
    section.name: section
    for section in [
        Section("header", "Header", forms.HeaderForm, "plans/partials/_header.html"),
        Section("overview", "Overview", forms.OverviewForm, "plans/partials/_text_section.html"),
        Section("rollback", "Rollback Plan", forms.RollbackForm, "plans/partials/_rollback.html"),
        Section("notes", "Notes", forms.NotesForm, "plans/partials/_text_section.html"),
    ]
}
