"""Every model in the Django admin: plans with their children inline, steps with theirs."""

from django.contrib import admin

from plans.models import (
    ChecklistItem,
    MonitoringMetric,
    Plan,
    ProgressLogEntry,
    ShareLink,
    StakeholderUpdate,
    Step,
    StepFile,
    StepTask,
    TimelinePhase,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["kind", "position", "text", "done", "done_by", "done_at"]
    raw_id_fields = ["done_by"]


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ["position", "title", "timeline"]
    show_change_link = True


class MonitoringMetricInline(admin.TabularInline):
    model = MonitoringMetric
    extra = 0


class StakeholderUpdateInline(admin.TabularInline):
    model = StakeholderUpdate
    extra = 0


class TimelinePhaseInline(admin.TabularInline):
    model = TimelinePhase
    extra = 0


class ProgressLogEntryInline(admin.TabularInline):
    model = ProgressLogEntry
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
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
        ChecklistItemInline,
        StepInline,
        MonitoringMetricInline,
        StakeholderUpdateInline,
        TimelinePhaseInline,
        ProgressLogEntryInline,
    ]


class StepTaskInline(admin.TabularInline):
    model = StepTask
    extra = 0
    fields = ["position", "text", "done", "done_by", "done_at"]
    raw_id_fields = ["done_by"]


class StepFileInline(admin.TabularInline):
    model = StepFile
    extra = 0


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "timeline"]
    list_select_related = ["plan"]
    search_fields = ["title", "plan__fix_name", "plan__issue_id"]
    raw_id_fields = ["plan"]
    inlines = [StepTaskInline, StepFileInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "done", "plan"]
    list_filter = ["kind", "done"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan", "done_by"]


@admin.register(StepTask)
class StepTaskAdmin(admin.ModelAdmin):
    list_display = ["text", "done", "step"]
    list_select_related = ["step"]
    raw_id_fields = ["step", "done_by"]


@admin.register(StepFile)
class StepFileAdmin(admin.ModelAdmin):
    list_display = ["path", "step"]
    raw_id_fields = ["step"]


@admin.register(MonitoringMetric)
class MonitoringMetricAdmin(admin.ModelAdmin):
    list_display = ["metric", "expected_value", "alert_threshold", "plan"]
    raw_id_fields = ["plan"]


@admin.register(StakeholderUpdate)
class StakeholderUpdateAdmin(admin.ModelAdmin):
    list_display = ["stakeholder", "update_method", "when", "plan"]
    raw_id_fields = ["plan"]


@admin.register(TimelinePhase)
class TimelinePhaseAdmin(admin.ModelAdmin):
    list_display = ["phase", "target_time", "actual_time", "status", "plan"]
    list_filter = ["status"]
    raw_id_fields = ["plan"]


@admin.register(ProgressLogEntry)
class ProgressLogEntryAdmin(admin.ModelAdmin):
    list_display = ["logged_at", "update", "author", "plan"]
    search_fields = ["update", "author"]
    raw_id_fields = ["plan"]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Links can be listed and revoked here; tokens exist only as hashes, so none is shown."""

    list_display = ["plan", "label", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    fields = ["plan", "label", "created_by", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["plan", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False
