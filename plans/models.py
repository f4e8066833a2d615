"""A fix implementation plan and its children, one model per element of the template.

Every part of `fix-plan-template.md` is a field or a row here, so the app can act on it
(tick a task, time a phase) and the exporter can write it back out exactly.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plans import limits

# The download writes a blank header or rollback value as the template's {{PLACEHOLDER}},
# and fills the plan's values into its tasks and commands where they hold {{NAME}}: such a
# value holding a placeholder itself would read back as that placeholder, not as the value.
NO_PLACEHOLDER = RegexValidator(
    r"\{\{[A-Z0-9_]+\}\}",
    inverse_match=True,
    message="Cannot hold a {{PLACEHOLDER}}: the plan's download writes those for blank values.",
)


# Who owns a step or a task: an account's username, or a handle for someone without one.
# Written "@handle" in Markdown, so it holds no space or parenthesis, and the "@" is not kept.
OWNER_HANDLE = RegexValidator(
    r"^[^\s()@][^\s()]*$",
    message="An owner is one word, a username or a handle like @priya, with no spaces.",
)


def whole_minute(value: datetime.datetime) -> None:
    # A due time is written to Markdown to the minute; seconds would not come back.
    if value.second or value.microsecond:
        raise ValidationError("A due time is to the minute: leave out the seconds.")


def owner_field():
    return models.CharField(max_length=150, blank=True, validators=[OWNER_HANDLE])


class Priority(models.TextChoices):
    P0 = "P0", "P0 (Critical)"
    P1 = "P1", "P1 (High)"
    P2 = "P2", "P2 (Medium)"
    P3 = "P3", "P3 (Low)"


class Status(models.TextChoices):
    PLANNING = "planning", "Planning"
    IN_PROGRESS = "in_progress", "In Progress"
    IN_REVIEW = "in_review", "In Review"
    DEPLOYED = "deployed", "Deployed"


class PhaseStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not Started"
    IN_PROGRESS = "in_progress", "In Progress"
    DONE = "done", "Done"


class ChecklistKind(models.TextChoices):
    PREREQUISITE = "prerequisite", "Prerequisites"
    SUCCESS_CRITERION = "success", "Success Criteria"
    POST_MORTEM = "post_mortem", "Post-Mortem"


def choice_check(field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=f"%(class)s_{field}_valid"
    )


DEFAULT_DATABASE_ROLLBACK = "Run rollback migration (if applicable)"
DEFAULT_ROLLBACK_COMMAND = "git revert {{COMMIT_HASH}}\n{{DEPLOY_COMMAND}}"


class Plan(models.Model):
    # Header. Blank text fields export as the template's own placeholder ({{FIX_NAME}} ...).
    fix_name = models.CharField(max_length=200, blank=True, validators=[NO_PLACEHOLDER])
    issue_id = models.CharField("issue id", max_length=100, blank=True, validators=[NO_PLACEHOLDER])
    spec_title = models.CharField(max_length=200, blank=True, default="spec.md")
    spec_link = models.CharField(
        max_length=500, blank=True, default="spec.md", validators=[NO_PLACEHOLDER]
    )
    author = models.CharField(max_length=150, blank=True, validators=[NO_PLACEHOLDER])
    created = models.DateField(default=timezone.localdate)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNING)
    status_changed_at = models.DateTimeField(default=timezone.now)

    # Values the template writes as {{PLACEHOLDER}} inside tasks and command blocks.
    default_branch = models.CharField(max_length=200, blank=True, validators=[NO_PLACEHOLDER])
    reviewer = models.CharField(max_length=200, blank=True, validators=[NO_PLACEHOLDER])
    test_command = models.CharField(max_length=500, blank=True, validators=[NO_PLACEHOLDER])
    deploy_command = models.CharField(max_length=500, blank=True, validators=[NO_PLACEHOLDER])
    notification_channel = models.CharField(max_length=200, blank=True, validators=[NO_PLACEHOLDER])

    overview = models.TextField(blank=True, max_length=limits.OVERVIEW_CHARS)
    notes = models.TextField(blank=True, max_length=limits.NOTES_CHARS)

    # Rollback plan.
    revert_commit = models.CharField(max_length=100, blank=True, validators=[NO_PLACEHOLDER])
    database_rollback = models.CharField(
        max_length=500, blank=True, default=DEFAULT_DATABASE_ROLLBACK, validators=[NO_PLACEHOLDER]
    )
    cache_keys = models.CharField(max_length=500, blank=True, validators=[NO_PLACEHOLDER])
    rollback_command = models.TextField(
        blank=True, default=DEFAULT_ROLLBACK_COMMAND, max_length=limits.COMMAND_CHARS
    )
    rollback_language = models.CharField(max_length=30, blank=True, default="bash")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by `plans.operations.record_change`, at the end of every change to the plan: the
    # version is the stakeholder page's ETag; the counts are the dashboard's progress bars.
    version = models.PositiveBigIntegerField(default=1, editable=False)
    boxes_total = models.PositiveIntegerField(default=0, editable=False)
    boxes_done = models.PositiveIntegerField(default=0, editable=False)
    # Set when its fix folder left the repository (`plans.sync`): kept, out of the way.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status", "-created"], name="plan_status_created"),
            models.Index(fields=["priority", "-created"], name="plan_priority_created"),
            models.Index(fields=["-created", "-id"], name="plan_created"),
        ]
        constraints = [choice_check("priority", Priority), choice_check("status", Status)]

    def __str__(self):
        title = self.fix_name or "(untitled fix)"
        return f"{self.issue_id}: {title}" if self.issue_id else title


class ChecklistItemBase(models.Model):
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=limits.ITEM_CHARS)
    # How far the item is nested under the ones above it, as a file indents sub-items.
    depth = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(limits.ITEM_DEPTH)]
    )
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"[{'x' if self.done else ' '}] {self.text}"


class ChecklistItem(ChecklistItemBase):
    """An item of the Prerequisites, Success Criteria or Post-Mortem checklist."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="checklist_items")
    kind = models.CharField(max_length=20, choices=ChecklistKind.choices)

    class Meta:
        ordering = ["kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "position"], name="checklist_item_unique_position"
            ),
            choice_check("kind", ChecklistKind),
        ]


class Step(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    timeline = models.CharField(max_length=100, blank=True)
    owner = owner_field()
    # When the step should be done: set by hand, or else derived from its timeline phase's
    # target ("+4 hours" from the plan's start) by `plans.dues`, kept by the write path.
    due_at = models.DateTimeField(
        "due",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(limits.LOG_TIMES[0]),
            MaxValueValidator(limits.LOG_TIMES[1] - datetime.timedelta(minutes=1)),
            whole_minute,
        ],
    )
    derived_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    code_language = models.CharField(max_length=30, blank=True)
    code = models.TextField(blank=True, max_length=limits.CODE_CHARS)
    test_commands_language = models.CharField(max_length=30, blank=True, default="bash")
    test_commands = models.TextField(blank=True, max_length=limits.COMMAND_CHARS)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="step_unique_position")
        ]

    def __str__(self):
        return f"Step {self.number}: {self.title}"

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def due(self) -> datetime.datetime | None:
        return self.due_at or self.derived_due_at


class StepTask(ChecklistItemBase):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="tasks")
    owner = owner_field()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "position"], name="step_task_unique_position")
        ]


class StepFile(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    path = models.CharField(max_length=500)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "position"], name="step_file_unique_position")
        ]

    def __str__(self):
        return self.path


class MonitoringMetric(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="metrics")
    position = models.PositiveIntegerField()
    metric = models.CharField(max_length=200)
    expected_value = models.CharField(max_length=200, blank=True)
    alert_threshold = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="metric_unique_position")
        ]

    def __str__(self):
        return self.metric


class StakeholderUpdate(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stakeholder_updates")
    position = models.PositiveIntegerField()
    stakeholder = models.CharField(max_length=200)
    update_method = models.CharField(max_length=200, blank=True)
    when = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="stakeholder_unique_position")
        ]

    def __str__(self):
        return self.stakeholder


class TimelinePhase(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveIntegerField()
    phase = models.CharField(max_length=200)
    target_time = models.CharField(max_length=100, blank=True)
    actual_time = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.NOT_STARTED
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="phase_unique_position"),
            choice_check("status", PhaseStatus),
        ]

    def __str__(self):
        return self.phase


class ProgressLogEntry(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="log_entries")
    logged_at = models.DateTimeField(
        default=timezone.now,
        validators=[
            MinValueValidator(limits.LOG_TIMES[0]),
            MaxValueValidator(limits.LOG_TIMES[1] - datetime.timedelta(seconds=1)),
        ],
    )
    update = models.CharField(max_length=1000)
    # A name, not a user: imported logs carry names of people who may have no account.
    author = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["logged_at", "id"]
        verbose_name_plural = "progress log entries"
        indexes = [models.Index(fields=["plan", "logged_at"], name="log_plan_logged_at")]

    def __str__(self):
        return f"{self.logged_at:%Y-%m-%d %H:%M} {self.update}"


class PlanSpec(models.Model):
    """The `spec.md` imported from a plan's fix folder, kept byte for byte: FixTracker does
    not read it as a plan, it shows it rendered and gives it back as it came."""

    plan = models.OneToOneField(
        Plan, on_delete=models.CASCADE, primary_key=True, related_name="spec_file"
    )
    file_name = models.CharField(max_length=255, default="spec.md")
    data = models.BinaryField()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "spec file"

    def __str__(self):
        return f"{self.file_name} of plan {self.plan_id}"


class PendingImport(models.Model):
    """An uploaded plan shown as a preview, waiting for its uploader to import it or not.

    The file is kept here between the two requests, whichever worker answers each."""

    # Long enough to read a preview; a newer upload by anyone clears older ones.
    KEPT_FOR = datetime.timedelta(hours=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField()

    def __str__(self):
        return self.file_name


class ShareLink(models.Model):
    """A read-only link to a plan for stakeholders without an account.

    Only the SHA-256 of the token is stored, so a copy of the database opens nothing; the
    token itself is shown once, when the link is made.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.label or f"Share link {self.pk}"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "active" if self.is_live(timezone.now()) else "expired"

    def is_live(self, now) -> bool:
        return not self.revoked_at and not (self.expires_at and self.expires_at <= now)


class ChangeKind(models.TextChoices):
    CREATED = "created", "Plan created"
    IMPORTED = "imported", "Imported"
    FIELD = "field", "Field edited"
    ADDED = "added", "Row added"
    EDITED = "edited", "Row edited"
    MOVED = "moved", "Row moved"
    DELETED = "deleted", "Row deleted"
    TICKED = "ticked", "Ticked"
    UNTICKED = "unticked", "Unticked"
    STATUS = "status", "Status changed"
    LOGGED = "logged", "Progress logged"
    SHARE_CREATED = "share_created", "Share link created"
    SHARE_REVOKED = "share_revoked", "Share link revoked"


# Where the admin's changes to a share link are recorded: like the link's own entries, for
# editors only (`plans.views.history`).
SHARE_LINK_PLACE = "Admin: share link"


class HistoryEntry(models.Model):
    """One thing a change did to a plan, with who and when: written only by
    `plans.operations` (and the admin's hooks into it), in the change's own transaction."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="history")
    # The plan's version once the change was made: an open page at an older version has
    # every entry after its own to catch up on.
    version = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name at the time: it stays when the account is renamed or deleted.
    actor = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    # Where in the plan ("Prerequisites", "Step 2: Deploy"), which field, and the values.
    place = models.CharField(max_length=300, blank=True)
    field = models.CharField(max_length=100, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "history entries"
        indexes = [
            models.Index(fields=["plan", "-id"], name="history_plan"),
            models.Index(fields=["plan", "kind", "-id"], name="history_plan_kind"),
            models.Index(fields=["plan", "version"], name="history_plan_version"),
        ]
        constraints = [choice_check("kind", ChangeKind)]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.place}".rstrip()


class WebhookEvent(models.TextChoices):
    """What an outgoing webhook can be told of; the value is the payload's `type`."""

    PLAN_CREATED = "plan.created", "Plan created"
    STATUS_CHANGED = "plan.status_changed", "Status changed"
    STEP_COMPLETED = "step.completed", "Step completed"
    PLAN_DEPLOYED = "plan.deployed", "Plan deployed"
    LOG_ENTRY_ADDED = "log.entry_added", "Progress-log entry added"
    SHARE_LINK_CREATED = "share_link.created", "Share link created"
    # Sent by "Send test event" only; nobody subscribes to it.
    TEST = "webhook.test", "Test event"


class WebhookFormat(models.TextChoices):
    STANDARD = "standard", "Standard Webhooks (signed JSON)"
    SLACK = "slack", "Slack incoming webhook"


class Webhook(models.Model):
    """An endpoint that is told of plans' events (`plans.notify`, `plans.delivery`)."""

    url = models.CharField("URL", max_length=2000)
    label = models.CharField(max_length=100, blank=True)
    format = models.CharField(
        max_length=20, choices=WebhookFormat.choices, default=WebhookFormat.STANDARD
    )
    # The Standard Webhooks signing secret, "whsec_" and base64. Kept to sign each attempt,
    # shown once when made; the admin and the pages never show it again.
    secret = models.CharField(max_length=200)
    # Event types wanted, and the priorities of the plans they are wanted for (none: all).
    events = models.JSONField(default=list)
    priorities = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # When its attempts began failing without a success since: too long, and it is disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [choice_check("format", WebhookFormat)]

    def __str__(self):
        return self.label or self.site

    @property
    def site(self) -> str:
        """The URL without its path: a Slack URL's path is its credential, not shown to
        those who may only look."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "(no host)"

    def wants(self, event_type: str, priority: str) -> bool:
        return event_type in self.events and (not self.priorities or priority in self.priorities)


class OutgoingEvent(models.Model):
    """One event, written in the transaction of the change it tells of: the outbox."""

    # The Standard Webhooks `webhook-id`: the same on every attempt, so receivers can drop
    # a message they already have.
    message_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # Kept when the plan is deleted: what was sent stays readable.
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    # The JSON body, exactly as sent (and signed) on every attempt.
    body = models.TextField()

    class Meta:
        ordering = ["-pk"]
        constraints = [choice_check("type", WebhookEvent)]

    def __str__(self):
        return f"{self.type} {self.message_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"
    HELD = "held", "Held (endpoint disabled)"


class Delivery(models.Model):
    """One event on its way to one endpoint, and how its last attempt went."""

    event = models.ForeignKey(OutgoingEvent, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    created_at = models.DateTimeField()
    # Attempts made so far; a task carries the number of the attempt it is to make, so two
    # workers, or a task queued twice, make it once.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Failed attempts are retried until the first attempt made after this time.
    retry_until = models.DateTimeField()
    # While an attempt is being made: when it is taken as lost (its worker died) and made again.
    lease_until = models.DateTimeField(null=True, blank=True)
    # The queued task (django-tasks) that makes the next attempt.
    task_id = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    # The start of the receiver's answer, or what went wrong ("timed out after 10 s").
    response = models.CharField(max_length=1000, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["webhook", "-id"], name="delivery_webhook"),
            models.Index(fields=["state", "lease_until"], name="delivery_state"),
        ]
        constraints = [choice_check("state", DeliveryState)]

    def __str__(self):
        return f"{self.event.type} to {self.webhook}"


class FixFolder(models.Model):
    """The fix folder in a repository that a plan is kept in step with (`manage.py
    sync_fixes`, `plans.sync`): where it is, and both sides as they were at the last sync."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="fix_folder")
    # The folder's name in the synced directory: "INC-7-retry-storm".
    name = models.CharField(max_length=255)
    # Which directory: its repository (the origin remote's URL, else the working tree's
    # path) and its path there, "git@example.com:shop.git docs/fixes": the same in every
    # clone. Outside git, its absolute path. Only a sync of the same tree archives a plan
    # whose folder it does not find.
    tree = models.CharField(max_length=1000)
    synced_at = models.DateTimeField()
    # The plan.md as read or written at the last sync: the base a conflict is told against,
    # and its hash, to tell a file changed since.
    synced_text = models.TextField()
    synced_sha256 = models.CharField(max_length=64)
    # The spec.md's hash then ("" when there was none), and the plan's version then.
    synced_spec_sha256 = models.CharField(max_length=64, blank=True)
    synced_version = models.PositiveBigIntegerField()
    # Changed on both sides: the file's text found then, kept until an engineer chooses.
    conflict_text = models.TextField(blank=True)
    conflict_sha256 = models.CharField(max_length=64, blank=True)
    conflict_spec_sha256 = models.CharField(max_length=64, blank=True)
    # The folder's spec.md then (None: it had none), for "Take the file's version".
    conflict_spec = models.BinaryField(null=True, blank=True)
    conflict_at = models.DateTimeField(null=True, blank=True)
    # Why the file could not be imported at the last sync ("line 12: ..."), if it could not.
    import_error = models.CharField(max_length=500, blank=True)
    # The folder was gone from the tree: its plan is archived, never deleted.
    missing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tree", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "name"], name="fix_folder_tree_name")
        ]

    def __str__(self):
        return self.name

    @property
    def state(self) -> str:
        """In sync, changed here, changed in the file, in conflict, or missing."""
        if self.missing_since:
            return "missing"
        if self.conflict_text:
            return "conflict"
        if self.import_error:
            return "changed in the file"
        if self.plan.version != self.synced_version:
            return "changed here"
        return "in sync"
