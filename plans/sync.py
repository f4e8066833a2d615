"""Plans kept in step with a tree of fix folders in a repository (`manage.py sync_fixes`).

Each plan synced has a `FixFolder`: its folder's name, and both sides as they were at the
last sync (the plan.md's text and hash, the spec.md's hash, the plan's version). A sync
compares each side with that:

- a folder not known becomes a plan (or, when it holds a known plan's file or issue id
  and that plan's folder is gone, is that folder renamed);
- the file changed: the plan is replaced by it, through the importer (`replace_plan`);
- the plan changed: its download is written over the file, in the file's line endings;
- both, to different texts: a conflict. Neither side is touched, the file's text is kept
  for an engineer to choose on the plan page, and the sync reports it with diffs.
- a known folder gone from the tree: its plan is archived, never deleted.

Nothing is written for a folder in step: a second run changes nothing. `plan` decides,
writing nothing, so that `--commit` can refuse before any write; `apply` acts.
"""

import difflib
import fcntl
import hashlib
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from plans.imports import PLAN_FILE, SPEC_FILE, fix_folders, present, read_file
from plans.limits import MAX_IMPORT_BYTES, SPEC_BYTES
from plans.markdown import PlanFormatError, export_plan, import_plan
from plans.markdown.encoding import decode
from plans.markdown.import_ import parse_plan
from plans.models import ChangeKind, FixFolder, HistoryEntry, Plan, PlanSpec
from plans.operations import StaleVersion, changing, lock_plan, replace_plan

# The most lines of a conflict's diffs the report shows, each side.
DIFF_LINES = 60


class SyncRefused(Exception):
    """The sync cannot start, or would overwrite what it must not; nothing was written."""


def sha256(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else ""


@dataclass
class Found:
    """A fix folder as the tree has it now."""

    name: str
    path: Path
    data: bytes
    spec: bytes | None

    @property
    def text(self) -> str:
        return decode(self.data)[0]


@dataclass
class Step:
    """What the sync does, or did, to one folder or plan."""

    name: str
    action: str
    link: FixFolder | None = None
    found: Found | None = None
    plan: Plan | None = None
    detail: str = ""
    # The files this step writes: known before it runs, for `--commit`'s check.
    writes: list[Path] = field(default_factory=list)
    # The plan's version when the step was decided: changed since, the step does nothing.
    version: int | None = None

    @property
    def failed(self) -> bool:
        return self.action in ("conflict", "failed")


def tree_of(root: Path) -> str:
    """Which directory this is, the same in every clone of its repository."""
    top = git_top(root)
    resolved = root.resolve()
    if top is None:
        return str(resolved)
    remote = _git(top, "config", "--get", "remote.origin.url", check=False).stdout.strip()
    return f"{remote or top} {resolved.relative_to(top)}"


def git_top(path: Path) -> Path | None:
    result = _git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=60
    )


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """One sync of a directory at a time: a second one is refused. On this machine, a file
    lock; on PostgreSQL, also a lock in the database named after the tree, so a run from
    another machine (another clone of the repository) is refused too."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"fixtracker-sync-{key}.lock"
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncRefused(f"another sync_fixes is running on {root}") from None
        try:
            with _database_lock(tree_of(root)):
                yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _database_lock(tree: str) -> Iterator[None]:
    if connection.vendor != "postgresql":
        # SQLite is a file on this machine: the file lock above is every run there is.
        yield
        return
    key = int(hashlib.sha256(f"fixtracker-sync {tree}".encode()).hexdigest()[:15], 16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise SyncRefused(f"another sync_fixes is running on {tree}, from another machine")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


class Sync:
    def __init__(
        self,
        directory: Path,
        *,
        create_folders: bool = False,
        take_file: frozenset[str] = frozenset(),
        take_app: frozenset[str] = frozenset(),
    ):
        # Folders in conflict resolved by choosing a side: the file's, or the app's.
        self.take_file, self.take_app = take_file, take_app
        if not directory.is_dir():
            raise SyncRefused(f"{directory} is not a folder")
        # Absolute, so that git, run in the tree, finds the files wherever the run began.
        directory = directory.absolute()
        self.single = present(directory / PLAN_FILE)
        self.root = directory.parent if self.single else directory
        self.tree = tree_of(self.root)
        self.create_folders = create_folders and not self.single
        folders, self.skipped = fix_folders(directory)
        self.folders = folders

    def plan(self) -> list[Step]:
        """What the sync would do to each folder and plan; writes nothing."""
        mine = FixFolder.objects.filter(tree=self.tree).select_related("plan")
        links = {link.name: link for link in mine}
        steps, found = [], []
        for path in self.folders:
            try:
                found.append(self._read(path))
            except (OSError, ValueError) as error:
                reason = getattr(error, "strerror", None) or str(error)
                steps.append(Step(path.name, "failed", link=links.get(path.name), detail=reason))
        present_names = {f.name for f in found} | {s.name for s in steps}
        # Known folders no longer in the tree (a run on one folder looks for them too, to
        # follow a rename; only a run on the whole directory archives).
        gone = [
            link
            for link in links.values()
            if link.name not in present_names and not present(self.root / link.name)
        ]
        for folder in found:
            link = links.get(folder.name)
            if link is None:
                link = self._renamed(folder, gone)
                if link is not None:
                    gone.remove(link)
                    steps.append(Step(folder.name, "renamed", link=link, found=folder))
            steps.append(self._decide(folder, link))
        archiving = [link for link in gone if link.missing_since is None and not self.single]
        if archiving and not found and not steps:
            # An empty checkout, or the wrong directory, is not every fix deleted at once.
            raise SyncRefused(
                f"{self.root} holds no fix folder, and {len(archiving)} plan(s) synced from "
                "this tree would be archived; nothing was done. Is it the right directory?"
            )
        steps += [Step(link.name, "archived", link=link) for link in archiving]
        if self.create_folders:
            steps += self._new_folders(present_names)
        return steps

    def _read(self, path: Path) -> Found:
        for name in (PLAN_FILE, SPEC_FILE):
            file = path / name
            # A pipe or a device would hold the sync, and its lock, for as long as it likes.
            if present(file) and not file.is_symlink() and not file.is_file():
                raise ValueError(f"{name} is not a regular file")
        data = read_file(path / PLAN_FILE, MAX_IMPORT_BYTES)
        spec_path = path / SPEC_FILE
        spec = read_file(spec_path, SPEC_BYTES) if present(spec_path) else None
        return Found(path.name, path, data, spec)

    def _renamed(self, folder: Found, gone: list[FixFolder]) -> FixFolder | None:
        """A known plan whose folder is gone and that this one holds: the same file, or the
        same issue id and fix name (a new fix for the same issue is a new plan)."""
        for link in gone:
            if link.synced_sha256 == sha256(folder.data):
                return link
        try:
            doc = parse_plan(folder.data).document
        except PlanFormatError:
            return None
        same = [
            link
            for link in gone
            if doc.issue_id
            and (link.plan.issue_id, link.plan.fix_name) == (doc.issue_id, doc.fix_name)
        ]
        return same[0] if len(same) == 1 else None

    def _decide(self, folder: Found, link: FixFolder | None) -> Step:
        try:
            step = self._decided(folder, link)
        except PlanFormatError as error:
            detail = f"line {error.line}: {error.message}"
            step = Step(folder.name, "failed", link=link, detail=detail)
        step.version = link.plan.version if link is not None else None
        return step

    def _decided(self, folder: Found, link: FixFolder | None) -> Step:
        if link is None:
            return Step(folder.name, "created", found=folder)
        plan = link.plan
        file_changed = (
            sha256(folder.data) != link.synced_sha256
            or sha256(folder.spec) != link.synced_spec_sha256
        )
        app_changed = plan.version != link.synced_version
        if file_changed and folder.name in self.take_file:
            return Step(folder.name, "updated from the file", link=link, found=folder)
        if app_changed and folder.name in self.take_app:
            file_changed = False
        if file_changed and app_changed:
            ours = export_plan(plan.pk)
            if _lines(ours) == _lines(folder.text) and _spec_sha(plan) == sha256(folder.spec):
                return Step(folder.name, "same on both sides", link=link, found=folder)
            detail = conflict_report(link.synced_text, folder.text, ours)
            return Step(folder.name, "conflict", link=link, found=folder, detail=detail)
        if file_changed:
            return Step(folder.name, "updated from the file", link=link, found=folder)
        if app_changed:
            writes = [folder.path / PLAN_FILE]
            if _spec_sha(plan) not in ("", sha256(folder.spec)):
                writes.append(folder.path / SPEC_FILE)
            return Step(folder.name, "written from the app", link=link, found=folder, writes=writes)
        if link.missing_since:
            return Step(folder.name, "back in the tree", link=link, found=folder)
        if link.import_error or link.conflict_text:
            # Both sides as the last sync left them (a broken file put back, a conflict
            # ended meanwhile): nothing stands in the way any more.
            return Step(folder.name, "same on both sides", link=link, found=folder)
        return Step(folder.name, "in sync", link=link, found=folder)

    def _new_folders(self, taken: set[str]) -> list[Step]:
        steps = []
        for plan in Plan.objects.filter(fix_folder__isnull=True, archived_at__isnull=True):
            name = folder_name(plan)
            taken_here = FixFolder.objects.filter(tree=self.tree, name=name).exists()
            if name in taken or taken_here or present(self.root / name):
                name = f"{name}-{plan.pk}"
            taken.add(name)
            writes = [self.root / name / PLAN_FILE]
            if PlanSpec.objects.filter(plan=plan).exists():
                writes.append(self.root / name / SPEC_FILE)
            steps.append(Step(name, "folder created", plan=plan, writes=writes))
        return steps

    def apply(self, steps: list[Step], user=None) -> list[Step]:
        """Carry out `plan`'s steps; a step that fails is reported, the rest still run."""
        for step in steps:
            try:
                self._apply(step, user)
            except PlanFormatError as error:
                step.action, step.detail = "failed", f"line {error.line}: {error.message}"
                if step.link is not None:
                    FixFolder.objects.filter(pk=step.link.pk).update(import_error=step.detail[:500])
            except StaleVersion:
                step.action = "failed"
                step.detail = "the plan changed in the app while the sync ran; run it again"
            except (OSError, ValueError) as error:
                step.action = "failed"
                step.detail = getattr(error, "strerror", None) or str(error)
        return steps

    def _apply(self, step: Step, user) -> None:
        now = timezone.now()
        folder, link = step.found, step.link
        if step.action == "created":
            plan, _warnings = import_plan(
                folder.data, spec=folder.spec, user=user, source=f"{folder.name}/{PLAN_FILE}"
            )
            step.plan = plan
            FixFolder.objects.create(
                plan=plan,
                name=folder.name,
                tree=self.tree,
                **self._synced(folder, now, plan.version),
            )
        elif step.action == "renamed":
            with changing(link.plan_id, user) as change:
                version = Plan.objects.values_list("version", flat=True).get(pk=link.plan_id)
                change.record(
                    ChangeKind.FIELD,
                    "Fix folder",
                    field="Folder",
                    before=link.name,
                    after=folder.name,
                )
                moved = {"name": folder.name, "tree": self.tree}
                if version == link.synced_version:
                    # Following the folder is not a change for the sync to write back.
                    moved["synced_version"] = link.synced_version = version + 1
                FixFolder.objects.filter(pk=link.pk).update(**moved)
            link.name = folder.name
        elif step.action == "updated from the file":
            document = parse_plan(folder.data).document
            expected = step.version if folder.name in self.take_file else link.synced_version
            with transaction.atomic():
                # As decided, or not at all: an edit made in the app since is never lost.
                version = replace_plan(
                    link.plan_id,
                    document,
                    spec=folder.spec,
                    # The repository deleted the spec.md it had: so does the plan.
                    drop_spec=folder.spec is None and bool(link.synced_spec_sha256),
                    user=user,
                    source=f"{folder.name}/{PLAN_FILE}",
                    expected_version=expected,
                )
                self._mark(link, folder, now, version)
        elif step.action in ("same on both sides", "back in the tree"):
            self._mark(link, folder, now)
        elif step.action == "written from the app":
            self._write(link.plan_id, folder.path, now, link=link, found=folder)
        elif step.action == "folder created":
            path = self.root / step.name
            path.mkdir(parents=True, exist_ok=False)
            self._write(step.plan.pk, path, now, name=step.name)
        elif step.action == "conflict" and folder is not None:
            # Unless the conflict was ended on the plan page since this run looked.
            unchanged = {"synced_sha256": link.synced_sha256, "synced_version": link.synced_version}
            FixFolder.objects.filter(pk=link.pk, **unchanged).update(
                conflict_text=folder.text,
                conflict_sha256=sha256(folder.data),
                conflict_spec_sha256=sha256(folder.spec),
                conflict_spec=folder.spec,
                conflict_at=link.conflict_at or now,
            )
        elif step.action == "archived":
            with changing(link.plan_id, user) as change:
                change.record(
                    ChangeKind.FIELD, "Fix folder", field="Archived", after=f"{link.name} gone"
                )
                Plan.objects.filter(pk=link.plan_id).update(archived_at=now)
                FixFolder.objects.filter(pk=link.pk).update(missing_since=now)

    def _synced(self, folder: Found, now, version: int) -> dict:
        """The file as found and the plan at `version`, recorded as in step."""
        return in_step(folder.text, folder.data, sha256(folder.spec), version, now)

    def _mark(self, link: FixFolder, folder: Found, now, version: int | None = None) -> None:
        """Record the folder as found in step with its plan, at `version` (a caller that
        changed the plan gives the version it made; by default, the plan's now)."""
        if version is None:
            version = Plan.objects.values_list("version", flat=True).get(pk=link.plan_id)
        FixFolder.objects.filter(pk=link.pk).update(**self._synced(folder, now, version))
        Plan.objects.filter(pk=link.plan_id).update(archived_at=None)

    def _write(self, plan_id: int, path: Path, now, *, link=None, name="", found=None):
        """Write the plan's download as path/plan.md (and its spec.md where the file's
        differs), in the old file's line endings; record both sides as synced. The plan is
        locked meanwhile, so what is written is the version recorded."""
        with transaction.atomic():
            version = lock_plan(plan_id)
            if found is not None and (
                _current(path / PLAN_FILE) != found.data or _current(path / SPEC_FILE) != found.spec
            ):
                # Saved after this run read it: the next run sees the change, and decides.
                raise SyncRaced("the file changed while the sync ran; run it again")
            text = export_plan(plan_id)
            spec = PlanSpec.objects.filter(plan_id=plan_id).values_list("data", flat=True).first()
            old = found.data if found is not None else None
            crlf = old is not None and b"\r\n" in old
            data = (text.replace("\n", "\r\n") if crlf else text).encode()
            if data != old:
                # Changed and changed back (a tick undone) writes nothing.
                _write_file(path / PLAN_FILE, data)
            spec_sha = sha256(bytes(spec)) if spec is not None else ""
            if spec is not None and spec_sha != sha256(found.spec if found else None):
                _write_file(path / SPEC_FILE, bytes(spec))
            synced = in_step(text, data, spec_sha, version, now)
            if link is None:
                FixFolder.objects.create(plan_id=plan_id, name=name, tree=self.tree, **synced)
            else:
                FixFolder.objects.filter(pk=link.pk).update(**synced)
                Plan.objects.filter(pk=plan_id).update(archived_at=None)


# A folder's conflict, cleared: ended on the page, or both sides in step again.
NO_CONFLICT = {
    "conflict_text": "",
    "conflict_sha256": "",
    "conflict_spec_sha256": "",
    "conflict_spec": None,
    "conflict_at": None,
}


def in_step(text: str, data: bytes, spec_sha: str, version: int, now) -> dict:
    """A FixFolder's fields once file and plan are in step: the file's text and hashes and
    the plan's version, and nothing standing in the way (a conflict, an import error, a
    missing folder)."""
    return {
        "synced_at": now,
        "synced_text": text,
        "synced_sha256": sha256(data),
        "synced_spec_sha256": spec_sha,
        "synced_version": version,
        **NO_CONFLICT,
        "import_error": "",
        "missing_since": None,
    }


class NoConflict(Exception):
    """The plan's folder is not in conflict (any more): nothing to choose."""


def resolve(plan_id: int, *, take: str, user=None) -> None:
    """End a conflict from the app: `take` "file" replaces the plan by the file's text as
    the sync found it; "app" keeps the plan, and the next sync writes it over the file.

    Either way the file as found counts as synced, so a file changed again since is a
    change the next sync sees. Raises NoConflict, or PlanFormatError from the importer.
    """
    with transaction.atomic():
        link = FixFolder.objects.select_for_update().filter(plan_id=plan_id).first()
        if link is None or not link.conflict_text:
            raise NoConflict
        spec = bytes(link.conflict_spec) if link.conflict_spec is not None else None
        if take == "file":
            replace_plan(
                plan_id,
                parse_plan(link.conflict_text).document,
                spec=spec,
                drop_spec=spec is None and bool(link.synced_spec_sha256),
                user=user,
                source=f"{link.name}/{PLAN_FILE}, chosen over the app's version",
            )
        else:
            with changing(plan_id, user) as change:
                change.record(
                    ChangeKind.FIELD,
                    "Fix folder",
                    field="Conflict",
                    after=f"the app's version kept over {link.name}/{PLAN_FILE}",
                )
        synced = {
            "synced_text": link.conflict_text,
            "synced_sha256": link.conflict_sha256,
            # The file's spec.md as found: the app's, if it differs, is written next time.
            "synced_spec_sha256": link.conflict_spec_sha256,
            **NO_CONFLICT,
        }
        if take == "file":
            synced["synced_version"] = Plan.objects.values_list("version", flat=True).get(
                pk=plan_id
            )
        else:
            # The version as it was before this choice, so the next sync sees the app's
            # side changed and writes it.
            synced["synced_version"] = link.synced_version
        FixFolder.objects.filter(pk=link.pk).update(**synced)


class SyncRaced(ValueError):
    """One side changed between the run's look and its write; that folder waits a run."""


def _current(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _write_file(path: Path, data: bytes) -> None:
    # Whole or not at all: a reader (or git) never sees half a plan.
    temporary = path.with_name(f".{path.name}.fixtracker-tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _spec_sha(plan: Plan) -> str:
    spec = PlanSpec.objects.filter(plan=plan).values_list("data", flat=True).first()
    return sha256(bytes(spec)) if spec is not None else ""


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").splitlines()


def folder_name(plan: Plan) -> str:
    """`<ISSUE>-<slug of fix name>`, as teams name their fix folders."""
    parts = [
        slugify(plan.issue_id, allow_unicode=True).upper(),
        slugify(plan.fix_name, allow_unicode=True),
    ]
    return "-".join(part for part in parts if part) or f"plan-{plan.pk}"


def conflict_report(base: str, file_text: str, app_text: str) -> str:
    """The two sides' changes since the last sync, as unified diffs."""

    def diff(theirs: str, label: str) -> list[str]:
        lines = list(
            difflib.unified_diff(_lines(base), _lines(theirs), "last sync", label, lineterm="", n=1)
        )
        if len(lines) > DIFF_LINES:
            lines = [*lines[:DIFF_LINES], f"… {len(lines) - DIFF_LINES} more lines"]
        return lines

    return "\n".join(
        [
            "Changed in the file:",
            *diff(file_text, "plan.md"),
            "Changed in the app:",
            *diff(app_text, "FixTracker"),
        ]
    )


def authors(step: Step) -> list[str]:
    """Who changed the plan in the app since its last sync, from its history."""
    plan_id = step.plan.pk if step.plan is not None else step.link.plan_id
    entries = HistoryEntry.objects.filter(plan_id=plan_id).exclude(actor="")
    if step.link is not None:
        entries = entries.filter(at__gt=step.link.synced_at)
    return sorted(set(entries.values_list("actor", flat=True)))


def own_writes(steps: list[Step]) -> set[Path]:
    """Files as the last sync wrote or read them, uncommitted since: a run without
    --commit wrote them. Writing them again loses nothing, and the commit takes them."""
    mine = set()
    for step in steps:
        if step.link is None or step.found is None:
            continue
        if sha256(step.found.data) == step.link.synced_sha256:
            mine.add(step.found.path / PLAN_FILE)
        if step.found.spec is not None and sha256(step.found.spec) == step.link.synced_spec_sha256:
            mine.add(step.found.path / SPEC_FILE)
    return mine


def dirty(root: Path, paths: list[Path]) -> list[Path]:
    """Which of `paths` have changes git has not committed."""
    if not paths:
        return []
    # -z: paths as they are, NUL-separated; without it git quotes spaces and non-ASCII.
    status = ["status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--"]
    result = _git(root, *status, *map(str, paths))
    top = git_top(root)
    return [top / entry[3:] for entry in result.stdout.split("\0") if entry[3:]]


def commit(root: Path, steps: list[Step]) -> str:
    """Commit the files the steps wrote, with a message naming the plans and who changed
    them; return the commit's id ("" when nothing was written). Never pushes."""
    written = [path for step in steps if not step.failed for path in step.writes]
    written += [path for path in own_writes(steps) if any(path in s.writes for s in steps)]
    # Only what git sees changed: a file written as it already was is not a change.
    written = dirty(root, [path for path in written if path.exists()])
    if not written:
        return ""
    names = []
    for step in steps:
        if step.writes and not step.failed:
            who = authors(step)
            plan = step.plan or step.link.plan
            names.append(f"- {plan}" + (f" (changed by {', '.join(who)})" if who else ""))
    message = "\n".join([f"FixTracker: sync {len(names)} plan(s) from the app", "", *names])
    identity = []
    if not _git(root, "config", "user.email", check=False).stdout.strip():
        identity = ["-c", "user.name=FixTracker", "-c", "user.email=fixtracker@localhost"]
    _git(root, "add", "--", *map(str, written))
    _git(root, *identity, "commit", "--quiet", "-m", message, "--", *map(str, written))
    return _git(root, "rev-parse", "HEAD").stdout.strip()
