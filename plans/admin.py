"""Every model in the Django admin: plans with their children inline, steps with theirs."""

import functools
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Max
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone

from plans import delivery, dues, limits, notify, operations
from plans.forms import AdminLoginForm, ChecksText, WebhookForm
from plans.models import (
    ChangeKind,
    ChecklistItem,
    Delivery,
    FixFolder,
    HistoryEntry,
    MonitoringMetric,
    OutgoingEvent,
    PendingImport,
    Plan,
    PlanSpec,
    ProgressLogEntry,
    ShareLink,
    StakeholderUpdate,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
    Webhook,
)
from plans.rows import LIST_LIMITS


class TextRulesForm(ChecksText, forms.ModelForm):
    """The app's text rules and the plan's limits in the admin too: no control characters,
    one-line fields on one line, and no new row in a list that is full."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            for limit, rows in _counted_rows(self.instance, cleaned):
                if rows is not None and rows.count() >= limit.value:
                    raise ValidationError(str(limits.LimitReached(limit)))
        return cleaned


def _counted_rows(row, cleaned: dict):
    """(limit, the rows a new `row` counts toward) for each limit it is under."""

    def parent_id(name: str):
        parent = cleaned.get(name)
        return parent.pk if parent is not None else getattr(row, f"{name}_id", None)

    plan_id = parent_id("plan") if hasattr(row, "plan_id") else None
    step_id = parent_id("step") if hasattr(row, "step_id") else None
    by_plan = {"plan_id": plan_id} if plan_id else None
    by_step = {"step_id": step_id} if step_id else None

    def rows(model, filters, **more):
        return model.objects.filter(**filters, **more) if filters else None

    model = type(row)
    if model not in LIST_LIMITS:
        return []
    if model is ChecklistItem:
        siblings = rows(model, by_plan, kind=cleaned.get("kind") or row.kind)
    else:
        siblings = rows(model, by_step if hasattr(row, "step_id") else by_plan)
    counted = [(LIST_LIMITS[model], siblings)]
    if model is StepTask:
        plan = Step.objects.filter(pk=step_id).values_list("plan_id", flat=True).first()
        counted.append((limits.TASKS, rows(StepTask, {"step__plan_id": plan} if plan else None)))
    return counted


def _place_at_end(row) -> None:
    """A new row goes at the end of its list, as the app's add does: positions are the app's
    to keep (moves and deletes rely on them being small and unique), never typed here."""
    if row.pk is None and hasattr(row, "position"):
        siblings = _counted_rows(row, {})[0][1]
        last = siblings.aggregate(last=Max("position"))["last"]
        row.position = 0 if last is None else last + 1


def _has_position(model) -> bool:
    return any(field.name == "position" for field in model._meta.fields)


class LimitedFormSet(BaseInlineFormSet):
    """An inline list checked against the plan's limits as the save will leave it: rows
    added, moved between checklists or deleted in the same save all count."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        for limit, count in self.counts(kept):
            if count > limit.value:
                raise ValidationError(str(limits.LimitReached(limit)))

    def counts(self, kept: list) -> list[tuple[limits.Limit, int]]:
        return [(LIST_LIMITS[self.model], len(kept))]


class ChecklistFormSet(LimitedFormSet):
    def counts(self, kept):
        kinds = Counter(form.cleaned_data.get("kind") or form.instance.kind for form in kept)
        return [(limits.CHECKLIST_ITEMS, count) for count in kinds.values()]


class StepTaskFormSet(LimitedFormSet):
    def counts(self, kept):
        step = self.instance
        others = StepTask.objects.filter(step__plan_id=step.plan_id).exclude(step_id=step.pk)
        return [*super().counts(kept), (limits.TASKS, others.count() + len(kept))]


class LimitedInline(admin.TabularInline):
    """An inline list held to the plan's limits on save, whose positions the app keeps."""

    form = TextRulesForm
    formset = LimitedFormSet

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_max=True, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "position"] if _has_position(self.model) else readonly


def _ids(plan_ids) -> list[int]:
    return sorted({plan_id for plan_id in plan_ids if plan_id is not None})


def _plan_id(obj) -> int | None:
    if isinstance(obj, Plan):
        return obj.pk
    return obj.step.plan_id if hasattr(obj, "step_id") else obj.plan_id


class OddFiltersRefused:
    """A filter value that Python's dates or the database cannot take (the day after
    9999-12-31, a NUL in text on PostgreSQL) is an invalid filter, answered as Django's admin
    answers any other: the list again with a message, never a 500."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError, DataError) as error:
            raise IncorrectLookupParameters(error) from error


class ChangesPlan(OddFiltersRefused):
    """An admin change to a plan or its rows is a plan operation in two halves, around the
    admin's own saves and deletes in its transaction: it takes the plan's row lock first,
    and ends with `record_change` (the plan's version and checkbox counts, and what was
    changed, for the plan's history), as `plans.operations.changing` does for every change
    in the app.
    """

    def _lock(self, plan_ids) -> None:
        # In id order, so that two admins changing several plans take them in the same order.
        for plan_id in _ids(plan_ids):
            operations.lock_plan(plan_id)

    def _record(self, plan_ids, request=None, changes=()) -> None:
        """Record a change to each plan, with its history: `changes` are (kind, row, form
        or None) as the admin made them."""
        # A plan deleted here has nothing left to record.
        existing = set(Plan.objects.filter(pk__in=_ids(plan_ids)).values_list("pk", flat=True))
        now = timezone.now()
        entries = {plan_id: [] for plan_id in existing}
        events = {plan_id: [] for plan_id in existing}
        for kind, row, form in changes:
            if _plan_id(row) in entries:
                entries[_plan_id(row)] += _history(now, request.user, kind, row, form)
                events[_plan_id(row)] += _events(request.user, kind, row, form)
        for plan_id in sorted(existing):
            # The admin may change a phase's target, a step's place or the log's start.
            dues.derive(plan_id)
            operations.record_change(plan_id, now, entries[plan_id], events=events[plan_id])

    def changeform_view(self, request, *args, **kwargs):
        # The form checked positions and parents before the save took the plan's lock; a
        # move or delete in the app in between makes the save break a constraint. The
        # admin's transaction has rolled it all back; say so rather than answer 500.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (IntegrityError, Plan.DoesNotExist):
            self.message_user(
                request,
                "Someone changed or deleted this plan's rows while you edited; nothing was "
                "saved. Check the current order and save again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if _has_position(self.model):
            readonly.append("position")
        if obj is not None:
            # A row stays in its list: moving it to another plan, step or checklist here
            # would bypass that list's limit and positions.
            names = {field.name for field in self.model._meta.fields}
            readonly += [name for name in ("plan", "step", "kind") if name in names]
        return list(dict.fromkeys(readonly))

    def save_model(self, request, obj, form, change):
        self._lock([_plan_id(obj)])
        _place_at_end(obj)
        super().save_model(request, obj, form, change)
        if change:
            kind = ChangeKind.FIELD if isinstance(obj, Plan) else ChangeKind.EDITED
        else:
            kind = ChangeKind.CREATED if isinstance(obj, Plan) else ChangeKind.ADDED
        self._record([_plan_id(obj)], request, [(kind, obj, form)])

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        changes = request.__dict__.setdefault("plan_changes", [])
        for row in formset.deleted_objects:
            changes.append((ChangeKind.DELETED, row, None))
            row.delete()
        for row in rows:
            _place_at_end(row)
            row.save()
        formset.save_m2m()
        changes += [(ChangeKind.ADDED, row, None) for row in formset.new_objects]
        forms_of = {f.instance.pk: f for f in formset.forms}
        changes += [
            (ChangeKind.EDITED, row, forms_of.get(row.pk)) for row, _ in formset.changed_objects
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._record([_plan_id(form.instance)], request, request.__dict__.pop("plan_changes", []))

    def get_deleted_objects(self, objs, request):
        # A plan's history goes with the plan; nobody may delete entries one by one, and
        # that must not stop the plan's own deletion.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(HistoryEntry._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        plan_id = _plan_id(obj)
        self._lock([plan_id])
        super().delete_model(request, obj)
        self._record([plan_id], request, [(ChangeKind.DELETED, obj, None)])

    def delete_queryset(self, request, queryset):
        # The changelist's "Delete selected" runs outside the admin's transaction: this is
        # one change, locks and all (select_for_update needs a transaction on PostgreSQL).
        with transaction.atomic():
            rows = list(queryset)
            plan_ids = [_plan_id(obj) for obj in rows]
            self._lock(plan_ids)
            super().delete_queryset(request, queryset)
            self._record(plan_ids, request, [(ChangeKind.DELETED, obj, None) for obj in rows])


def _history(now, user, kind: ChangeKind, row, form) -> list:
    """The history entries of one row the admin saved or deleted: one per changed field."""
    place = f"Admin: {row._meta.verbose_name}"
    if isinstance(row, Plan):
        place = "Admin"
    elif kind != ChangeKind.ADDED:
        place = f"{place} “{row}”"
    entry = functools.partial(operations.history_entry, _plan_id(row), now, user, kind, place)
    if kind == ChangeKind.DELETED:
        return [entry(before=str(row))]
    if kind in (ChangeKind.ADDED, ChangeKind.CREATED) or form is None:
        return [entry(after=str(row))]
    return [
        entry(
            field=str(form.fields[name].label or name),
            before=form.initial.get(name, ""),
            after=form.cleaned_data.get(name, ""),
        )
        for name in form.changed_data
        # A text area sends its lines back with "\r\n": the admin calls that a change.
        if _as_saved(form.initial.get(name)) != _as_saved(form.cleaned_data.get(name))
    ]


def _events(user, kind: ChangeKind, row, form) -> list:
    """What the outgoing webhooks are told of a row the admin saved: a plan made, its
    status changed, an entry added to its log."""
    actor = operations.author_name(user)
    if isinstance(row, Plan) and kind == ChangeKind.CREATED:
        return [notify.created_event(actor)]
    if isinstance(row, Plan) and form is not None and "status" in form.changed_data:
        return notify.status_events(actor, form.initial["status"], form.cleaned_data["status"])
    if isinstance(row, ProgressLogEntry) and kind == ChangeKind.ADDED:
        return [notify.log_event(actor, row.update, row.logged_at)]
    return []


def _as_saved(value) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


class ChecklistItemInlineForm(TextRulesForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Which checklist a row is in is fixed once it exists; see ChangesPlan.
            self.fields["kind"].disabled = True


class ChecklistItemInline(LimitedInline):
    model = ChecklistItem
    form = ChecklistItemInlineForm
    formset = ChecklistFormSet
    max_num = 3 * limits.CHECKLIST_ITEMS.value
    extra = 0
    fields = ["kind", "position", "text", "done", "done_by", "done_at"]
    raw_id_fields = ["done_by"]


class PlanSpecInline(admin.StackedInline):
    """The spec.md imported with the plan, kept byte for byte: shown, not edited here."""

    model = PlanSpec
    fields = ["file_name", "imported_at", "size"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="size (bytes)")
    def size(self, spec):
        return len(spec.data)


class StepInline(LimitedInline):
    model = Step
    max_num = limits.STEPS.value
    extra = 0
    fields = ["position", "title", "timeline"]
    show_change_link = True


class MonitoringMetricInline(LimitedInline):
    model = MonitoringMetric
    max_num = limits.TABLE_ROWS.value
    extra = 0


class StakeholderUpdateInline(LimitedInline):
    model = StakeholderUpdate
    max_num = limits.TABLE_ROWS.value
    extra = 0


class TimelinePhaseInline(LimitedInline):
    model = TimelinePhase
    max_num = limits.TABLE_ROWS.value
    extra = 0


class ProgressLogEntryInline(LimitedInline):
    model = ProgressLogEntry
    max_num = limits.LOG_ENTRIES.value
    extra = 0


@admin.register(Plan)
class PlanAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["issue_id", "fix_name", "priority", "status", "author", "created"]
    list_filter = ["status", "priority"]
    search_fields = ["fix_name", "issue_id"]
    date_hierarchy = "created"
    fieldsets = [
        (None, {"fields": ["fix_name", "issue_id", "author", "created", "priority", "status"]}),
        ("Spec", {"fields": ["spec_title", "spec_link"]}),
        (
            "Template values",
            {"fields": ["default_branch", "reviewer", "test_command", "deploy_command"]},
        ),
        ("Text", {"fields": ["overview", "notes"]}),
        (
            "Rollback",
            {
                "fields": [
                    "revert_commit",
                    "database_rollback",
                    "cache_keys",
                    "notification_channel",
                    "rollback_language",
                    "rollback_command",
                ]
            },
        ),
    ]
    inlines = [
        PlanSpecInline,
        ChecklistItemInline,
        StepInline,
        MonitoringMetricInline,
        StakeholderUpdateInline,
        TimelinePhaseInline,
        ProgressLogEntryInline,
    ]

    # ChangesPlan locks the plan rows first, so a deletion waits for changes in the app,
    # and changes after it find the plan gone (404), instead of both deadlocking.


class StepTaskInline(LimitedInline):
    model = StepTask
    formset = StepTaskFormSet
    max_num = limits.TASKS_PER_STEP.value
    extra = 0
    fields = ["position", "text", "done", "done_by", "done_at"]
    raw_id_fields = ["done_by"]


class StepFileInline(LimitedInline):
    model = StepFile
    max_num = limits.FILES_PER_STEP.value
    extra = 0


@admin.register(Step)
class StepAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["__str__", "plan", "timeline"]
    list_select_related = ["plan"]
    search_fields = ["title", "plan__fix_name", "plan__issue_id"]
    raw_id_fields = ["plan"]
    inlines = [StepTaskInline, StepFileInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["text", "kind", "done", "plan"]
    list_filter = ["kind", "done"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan", "done_by"]


@admin.register(StepTask)
class StepTaskAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["text", "done", "step"]
    list_select_related = ["step"]
    raw_id_fields = ["step", "done_by"]


@admin.register(StepFile)
class StepFileAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["path", "step"]
    raw_id_fields = ["step"]


@admin.register(MonitoringMetric)
class MonitoringMetricAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["metric", "expected_value", "alert_threshold", "plan"]
    raw_id_fields = ["plan"]


@admin.register(StakeholderUpdate)
class StakeholderUpdateAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["stakeholder", "update_method", "when", "plan"]
    raw_id_fields = ["plan"]


@admin.register(TimelinePhase)
class TimelinePhaseAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["phase", "target_time", "actual_time", "status", "plan"]
    list_filter = ["status"]
    raw_id_fields = ["plan"]


@admin.register(ProgressLogEntry)
class ProgressLogEntryAdmin(ChangesPlan, admin.ModelAdmin):
    form = TextRulesForm
    list_display = ["logged_at", "update", "author", "plan"]
    search_fields = ["update", "author"]
    raw_id_fields = ["plan"]


@admin.register(ShareLink)
class ShareLinkAdmin(ChangesPlan, admin.ModelAdmin):
    """Links can be listed and revoked here; tokens exist only as hashes, so none is shown."""

    form = TextRulesForm

    list_display = ["plan", "label", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    fields = ["plan", "label", "created_by", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["plan", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(PlanSpec)
class PlanSpecAdmin(admin.ModelAdmin):
    """Specs imported with plans, kept byte for byte; the plan's Spec page shows each."""

    list_display = ["plan", "file_name", "imported_at"]
    fields = ["plan", "file_name", "imported_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(PendingImport)
class PendingImportAdmin(admin.ModelAdmin):
    """Uploads waiting on their preview; they clear themselves after an hour."""

    list_display = ["file_name", "created_by", "created_at"]
    fields = ["file_name", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    """What changed in each plan, to read: written by the changes themselves, never here."""

    list_display = ["at", "plan", "actor", "kind", "place", "field"]
    list_filter = ["kind"]
    list_select_related = ["plan"]
    search_fields = ["place", "field", "before", "after", "actor"]
    raw_id_fields = ["plan", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Outgoing webhooks, as on the Webhooks page; the secret is shown once, when added."""

    form = WebhookForm
    list_display = ["__str__", "format", "enabled", "failing_since", "created_at"]
    list_filter = ["enabled", "format"]
    # Enabling queues what the endpoint held: the Webhooks page's button does it.
    readonly_fields = ["enabled", "disabled_at", "disabled_reason", "failing_since", "created_at"]

    def get_fields(self, request, obj=None):
        fields = ["url", "label", "format", "events", "priorities"]
        if obj is None:
            return [*fields, "secret"]
        return [*fields, *self.readonly_fields]

    def lookup_allowed(self, lookup, value, request=None):
        # A filter on the secret would answer yes or no to guesses at it.
        return "secret" not in lookup and super().lookup_allowed(lookup, value, request)

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change and obj.format == "standard":
            self.message_user(
                request, f"Signing secret, shown this once: {obj.secret}", messages.WARNING
            )


@admin.register(OutgoingEvent)
class OutgoingEventAdmin(admin.ModelAdmin):
    """Events as sent, body and all: written by the changes they tell of, never here."""

    list_display = ["at", "type", "plan", "message_id"]
    list_filter = ["type"]
    list_select_related = ["plan"]
    search_fields = ["message_id"]
    raw_id_fields = ["plan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Each event on its way to each endpoint; made by the worker, never here."""

    list_display = [
        "event",
        "webhook",
        "state",
        "attempts",
        "status_code",
        "next_attempt_at",
        "error",
    ]
    list_filter = ["state", "webhook"]
    list_select_related = ["event", "webhook"]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return "secret" not in lookup and super().lookup_allowed(lookup, value, request)

    def has_redeliver_permission(self, request):
        # As the Webhooks page's Redeliver button asks.
        return request.user.has_perm("plans.change_webhook")

    @admin.action(description="Send the selected deliveries again", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        sent = sum(delivery.redeliver(d.pk, d.webhook_id) for d in queryset)
        self.message_user(request, f"{sent} queued again (delivered or given up ones only).")


@admin.register(FixFolder)
class FixFolderAdmin(admin.ModelAdmin):
    """Which folder each synced plan lives in, and how the last sync left it: written by
    `manage.py sync_fixes`, never here."""

    list_display = ["name", "plan", "tree", "synced_at", "state"]
    list_select_related = ["plan"]
    search_fields = ["name"]
    fields = ["plan", "name", "tree", "synced_at", "synced_version", "import_error", "conflict_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The admin's login refuses an overlong username too, before django-axes records it.
admin.site.login_form = AdminLoginForm
