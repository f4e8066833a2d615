"""Every input FixTracker accepts is validated here."""

import json
from contextlib import suppress

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from plans import limits
from plans.markdown.format import zone_of
from plans.models import (
    ChecklistItem,
    MonitoringMetric,
    Plan,
    Priority,
    ProgressLogEntry,
    StakeholderUpdate,
    Status,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
    Webhook,
    WebhookEvent,
)


class LabelsWithoutColons:
    """Every form's labels read "Fix name", not "Fix name:".

    A `label_suffix` class attribute would not do: Form.__init__ always sets its own.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DashboardFilterForm(LabelsWithoutColons, forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    priority = forms.ChoiceField(
        label="Priority", required=False, choices=[("", "Any priority"), *Priority.choices]
    )
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Every plan not archived"),
            ("mine", "With my open items"),
            ("overdue", "Overdue"),
            ("archived", "Archived (folder gone)"),
        ],
    )


def _check_text(form: forms.BaseForm) -> None:
    """One-line fields stay on one line; no field carries control characters."""
    for name, value in list(form.cleaned_data.items()):
        if not isinstance(value, str):
            continue
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        multiline = isinstance(form.fields[name].widget, forms.Textarea)
        if not multiline and "\n" in value:
            form.add_error(name, "Must be a single line.")
        elif limits.CONTROL_CHARS_RE.search(value):
            form.add_error(name, "Contains control characters; remove them.")
        else:
            form.cleaned_data[name] = value


class ChecksText:
    """Form.clean() that applies `_check_text` to every text field."""

    def clean(self):
        cleaned = super().clean()
        _check_text(self)
        return cleaned


class CleanTextForm(ChecksText, LabelsWithoutColons, forms.Form):
    pass


class MergingForm(LabelsWithoutColons, forms.ModelForm):
    """An edit form that saves only what its user changed.

    It carries the values it was rendered with (`base`). On save, a field this user left
    alone takes whatever is in the database now, so two people editing different fields
    both keep their changes; a field both changed to different values is a conflict: the
    form is refused (409) and shows the current value, and saving again overwrites it.
    """

    base = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # The merge compares against `base`; Django's own hidden "initial-" copies add nothing.
            field.show_hidden_initial = False
        self.conflicts: list[str] = []
        self.current = {name: self.value_of(name) for name in self.merged_fields}
        if not self.is_bound:
            self.initial["base"] = self._dump(self.current)
            # A field of the form's own (a step's files) shows its value too, as the model's
            # fields do: left empty, a save would take the blank for a change and clear it.
            for name in self.merged_fields:
                self.initial.setdefault(name, self.current[name])
            if self.prefix is None:
                # An edit form opened in place takes the focus; add forms wait to be used.
                self._focus(self.merged_fields[0])

    def _focus(self, name: str) -> None:
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields[name].widget.attrs["autofocus"] = True

    def full_clean(self):
        super().full_clean()
        failed = [name for name in self.fields if name in self.errors]
        if failed:
            self._focus(failed[0])

    @property
    def merged_fields(self) -> list[str]:
        return [name for name in self.fields if name != "base"]

    def value_of(self, name: str):
        """The instance's current value of a field, as the form field cleans it."""
        return getattr(self.instance, name) if self.instance.pk else self.fields[name].initial

    def _dump(self, values: dict) -> str:
        return json.dumps({k: "" if v is None else str(v) for k, v in values.items()})

    def _base_values(self) -> dict:
        """The values the form was rendered with; the current ones where `base` lacks them.

        `base` comes back from the browser, so it may be anything: only an object of strings,
        as `_dump` writes it, is read; deep nesting fails the decoder with RecursionError.
        """
        try:
            raw = json.loads(self.cleaned_data.get("base") or "{}")
        except (ValueError, RecursionError):
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        values = {}
        for name in self.merged_fields:
            values[name] = self.current[name]
            if isinstance(raw.get(name), str):
                with suppress(ValidationError):
                    values[name] = self.fields[name].clean(raw[name])
            if isinstance(values[name], str):
                values[name] = values[name].replace("\r\n", "\n")
        return values

    def clean(self):
        cleaned = super().clean()
        _check_text(self)
        if self.instance.pk is None or self.errors:
            return cleaned
        base = self._base_values()
        for name in self.merged_fields:
            mine, theirs = cleaned.get(name), self.current[name]
            if mine == base[name]:
                cleaned[name] = theirs
            elif theirs not in (base[name], mine):
                self.conflicts.append(name)
                shown = theirs if theirs not in (None, "") else "(empty)"
                self.add_error(
                    name,
                    f"Someone else changed this to “{shown}” while you were editing. "
                    "Save again to replace it with your value.",
                )
        if self.conflicts:
            # The next save is made against what is there now.
            self.data = self.data.copy()
            self.data[self.add_prefix("base")] = self._dump(self.current)
        return cleaned

    @property
    def changed_fields(self) -> set[str]:
        return {n for n in self.merged_fields if self.cleaned_data.get(n) != self.current[n]}

    def save(self, commit=True):
        instance = super().save(commit=False)
        if commit:
            if instance.pk is None:
                instance.save()
            else:
                fields = [n for n in self.changed_fields if n in self._meta.fields]
                if fields:
                    instance.save(update_fields=fields)
        return instance


class HeaderForm(MergingForm):
    class Meta:
        model = Plan
        fields = [
            "fix_name",
            "issue_id",
            "author",
            "created",
            "priority",
            "spec_title",
            "spec_link",
            "default_branch",
            "reviewer",
            "test_command",
            "deploy_command",
        ]
        labels = {
            "fix_name": "Fix name",
            "issue_id": "Issue id",
            "spec_title": "Spec title",
            "spec_link": "Spec link",
            "default_branch": "Default branch",
            "test_command": "Test command",
            "deploy_command": "Deploy command",
        }
        widgets = {"created": forms.DateInput(attrs={"type": "date"})}

    # A new plan must have both; an imported one may come without. Once a plan has one,
    # it keeps one: dashboards, downloads and share links are named by them.
    KEPT = {"fix_name": "a fix name", "issue_id": "an issue id"}

    def clean(self):
        cleaned = super().clean()
        for name, what in self.KEPT.items():
            if name in cleaned and not cleaned[name] and getattr(self.instance, name):
                self.add_error(name, f"This plan has {what}; it can be changed but not blanked.")
        return cleaned


class OverviewForm(MergingForm):
    class Meta:
        model = Plan
        fields = ["overview"]
        widgets = {"overview": forms.Textarea(attrs={"rows": 6})}


class NotesForm(MergingForm):
    class Meta:
        model = Plan
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 6})}


class RollbackForm(MergingForm):
    class Meta:
        model = Plan
        fields = [
            "revert_commit",
            "database_rollback",
            "cache_keys",
            "notification_channel",
            "rollback_language",
            "rollback_command",
        ]
        labels = {
            "revert_commit": "Commit to revert",
            "database_rollback": "Database",
            "cache_keys": "Cache keys to clear",
            "notification_channel": "Alert team via",
            "rollback_language": "Command language",
        }
        widgets = {"rollback_command": forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})}


class ChecklistItemForm(MergingForm):
    class Meta:
        model = ChecklistItem
        fields = ["text"]


class OwnedForm(MergingForm):
    """A form with an owner: a username or a handle, typed with or without its "@"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.attrs.update(
            {"list": "owners", "placeholder": "@handle", "autocomplete": "off"}
        )
        self.fields["owner"].help_text = "A username here, or anyone's @handle."

    def clean_owner(self):
        owner = self.cleaned_data["owner"].strip().removeprefix("@")
        # "@PRIYA" is the account priya, written as its username is.
        names = get_user_model().objects.filter(username__iexact=owner).values_list("username")
        names = [name for (name,) in names[:2]] if owner else []
        return names[0] if len(names) == 1 else owner


class StepTaskForm(OwnedForm):
    class Meta:
        model = StepTask
        fields = ["text", "owner"]


class StepForm(OwnedForm):
    files = forms.CharField(
        label="Files to modify",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="One path per line.",
    )

    class Meta:
        model = Step
        fields = [
            "title",
            "timeline",
            "owner",
            "due_at",
            "code_language",
            "code",
            "test_commands_language",
            "test_commands",
        ]
        labels = {
            "code_language": "Code language",
            "code": "Code changes",
            "test_commands_language": "Test commands language",
            "test_commands": "Test commands",
        }
        widgets = {
            "code": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
            "test_commands": forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        }

    field_order = ["title", "timeline", "owner", "due_at", "files"]

    def value_of(self, name):
        if name == "files":
            return "\n".join(f.path for f in self.instance.files.all()) if self.instance.pk else ""
        return super().value_of(name)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        due = self.fields["due_at"]
        due.widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        # The browser's field has no zone: the time typed is in the instance's, named here.
        name, offset = timezone.get_current_timezone_name(), zone_of(timezone.now())
        due.label = f"Due ({name})" if name == offset else f"Due ({name}, {offset})"
        due.help_text = "Blank: due at the step's Timeline target, counted from the plan's start."

    def clean_due_at(self):
        # The browser's field is to the minute; a posted time with seconds is taken so too.
        due = self.cleaned_data["due_at"]
        return due.replace(second=0, microsecond=0) if due else due

    def clean_files(self):
        paths = [line.strip().strip("`") for line in self.cleaned_data["files"].splitlines()]
        max_length = StepFile._meta.get_field("path").max_length
        if any(len(path) > max_length for path in paths):
            raise ValidationError(f"Each path must be at most {max_length} characters.")
        paths = [path for path in paths if path]
        if len(paths) > limits.FILES_PER_STEP.value:
            raise ValidationError(
                f"{len(paths)} files: a step may name at most {limits.FILES_PER_STEP.value} "
                f"({limits.FILES_PER_STEP.name})."
            )
        return "\n".join(paths)

    def save(self, commit=True):
        step = super().save(commit)
        if commit and "files" in self.changed_fields:
            step.files.all().delete()
            paths = self.cleaned_data["files"].split("\n") if self.cleaned_data["files"] else []
            StepFile.objects.bulk_create(
                [StepFile(step=step, position=i, path=path) for i, path in enumerate(paths)]
            )
        return step


class NewStepForm(MergingForm):
    class Meta:
        model = Step
        fields = ["title", "timeline"]


class MetricForm(MergingForm):
    class Meta:
        model = MonitoringMetric
        fields = ["metric", "expected_value", "alert_threshold"]


class StakeholderForm(MergingForm):
    class Meta:
        model = StakeholderUpdate
        fields = ["stakeholder", "update_method", "when"]
        labels = {"update_method": "Update method"}


class PhaseForm(MergingForm):
    class Meta:
        model = TimelinePhase
        fields = ["phase", "target_time", "actual_time", "status"]


class NewPlanForm(ChecksText, LabelsWithoutColons, forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["fix_name", "issue_id", "priority", "author", "overview"]
        labels = {"fix_name": "Fix name", "issue_id": "Issue id"}
        widgets = {"overview": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fix_name"].required = True
        self.fields["issue_id"].required = True


class StatusForm(CleanTextForm):
    expected = forms.ChoiceField(choices=Status.choices)
    to = forms.ChoiceField(choices=Status.choices)

    def clean(self):
        from plans.operations import neighbours

        cleaned = super().clean()
        expected, to = cleaned.get("expected"), cleaned.get("to")
        if expected and to and to not in neighbours(expected):
            raise ValidationError("Status moves one step at a time, forward or back.")
        return cleaned


class DoneForm(CleanTextForm):
    """The state wanted, never "toggle": sending it twice leaves the same state."""

    done = forms.TypedChoiceField(
        choices=[("true", "ticked"), ("false", "unticked")], coerce=lambda v: v == "true"
    )


class LogEntryForm(CleanTextForm):
    update = forms.CharField(
        label="Progress update",
        max_length=ProgressLogEntry._meta.get_field("update").max_length,
    )


class ImportForm(LabelsWithoutColons, forms.Form):
    """A Markdown file of one plan, as bytes of at most `MAX_BYTES`; the importer decodes it."""

    MAX_BYTES = limits.MAX_IMPORT_BYTES
    # What the form says above its errors, each of which names a line of the file.
    not_saved = "Not imported; nothing was saved. Fix these and upload again:"

    file = forms.FileField(
        label="Markdown file",
        help_text=(
            "A fix plan in Markdown: the template's format, or a bug report, remediation plan "
            "or task list of your own shape; you see what it will create before anything is "
            f"saved (.md, at most {limits.MAX_IMPORT_BYTES // 2**20} MB)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,text/markdown,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = False
        self.file_name = ""

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        self.file_name = upload.name
        if upload.size > self.MAX_BYTES:
            self.too_large = True
            raise ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; "
                f"the limit is {self.MAX_BYTES // 2**20} MB. "
                "A plan is text: check that this is the right file."
            )
        return upload.read()


class ShareLinkForm(CleanTextForm):
    EXPIRY_CHOICES = [("", "Never"), ("1", "In 1 day"), ("7", "In 7 days"), ("30", "In 30 days")]

    label = forms.CharField(
        label="Label",
        required=False,
        max_length=100,
        help_text="Who the link is for, e.g. “Support team”.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=EXPIRY_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )


class UsernameLengthChecked:
    """A login form whose username is refused past the user model's length before anyone
    looks it up: django-axes records a failed login's username in a column of 255
    characters, and a longer one failed the login with a 500 on PostgreSQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(UsernameLengthChecked, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthChecked, AdminAuthenticationForm):
    pass


# What an endpoint can ask for: every event but the test, which "Send test event" sends.
SUBSCRIBABLE = [(value, label) for value, label in WebhookEvent.choices if value != "webhook.test"]


class WebhookForm(ChecksText, LabelsWithoutColons, forms.ModelForm):
    """An outgoing webhook, from the Webhooks page, the admin and `manage.py add_webhook`."""

    events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        initial=[value for value, _ in SUBSCRIBABLE],
        help_text="What to send.",
    )
    priorities = forms.MultipleChoiceField(
        choices=Priority.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only for plans of these priorities; none ticked: every plan.",
    )
    secret = forms.CharField(
        required=False,
        max_length=200,
        help_text="Standard format only. Leave blank for a new random one (whsec_…), "
        "shown once when saved.",
    )

    class Meta:
        model = Webhook
        fields = ["url", "label", "format", "events", "priorities"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://hooks.example.com/…"})}
        help_texts = {
            "url": "http:// or https://. Addresses inside the network are refused unless "
            "allowed (FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS).",
            "label": "A name to know it by, like #incidents.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A secret is set once; a new one means a new endpoint, so no receiver is broken
            # by a change it was not told of.
            del self.fields["secret"]

    def clean_url(self):
        from plans.delivery import Refused, check_url, refused_now

        url = self.cleaned_data["url"].strip()
        try:
            check_url(url)
        except Refused as error:
            raise ValidationError(str(error)) from None
        if why := refused_now(url):
            raise ValidationError(why)
        others = Webhook.objects.filter(url=url).exclude(pk=self.instance.pk)
        if other := others.first():
            # Each event would reach it twice; one endpoint's settings say what it gets.
            raise ValidationError(f"“{other}” already sends to this URL; change that one.")
        return url

    def clean_secret(self):
        from plans.delivery import check_secret, new_secret

        secret = self.cleaned_data.get("secret", "").strip()
        if not secret:
            return new_secret()
        try:
            return check_secret(secret)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def save(self, commit=True):
        if "secret" in self.cleaned_data:
            self.instance.secret = self.cleaned_data["secret"]
        return super().save(commit)
