"""`manage.py sync_fixes DIR`: plans and a tree of fix folders kept in step (`plans.sync`)."""

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.sync import Sync, SyncRefused, commit, dirty, git_top, locked, own_writes


class Command(BaseCommand):
    help = (
        "Sync plans with DIR, a folder of fix folders (plan.md and spec.md each) or one fix "
        "folder: new folders become plans, a changed plan.md updates its plan, a plan changed "
        "in the app rewrites its plan.md; changed on both sides is a conflict, reported and "
        "left alone. Exits 1 when a folder failed or is in conflict."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--create-folders",
            action="store_true",
            help="give each plan made in the app a folder <ISSUE>-<fix name> in DIR",
        )
        parser.add_argument(
            "--take-file",
            action="append",
            default=[],
            metavar="FOLDER",
            help="resolve FOLDER's conflict with the file's version (may be repeated)",
        )
        parser.add_argument(
            "--take-app",
            action="append",
            default=[],
            metavar="FOLDER",
            help="resolve FOLDER's conflict with the app's version (may be repeated)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what the sync would do, and do nothing",
        )
        parser.add_argument(
            "--commit",
            action="store_true",
            help="commit the files written (DIR must be in a git working tree); never pushes",
        )

    def handle(
        self,
        *args,
        directory: Path,
        create_folders,
        commit: bool,
        take_file,
        take_app,
        dry_run,
        **options,
    ):
        self.failed_commit = ""
        if both := set(take_file) & set(take_app):
            raise CommandError(f"{', '.join(sorted(both))}: take the file's version or the app's")
        try:
            sync = Sync(
                directory,
                create_folders=create_folders,
                take_file=frozenset(take_file),
                take_app=frozenset(take_app),
            )
            with locked(sync.root):
                steps = sync.plan()
                self._check_choices(steps, take_file, take_app)
                if dry_run:
                    self._report(sync, steps, "", dry_run=True)
                    return
                if commit:
                    self._check_tree(sync, steps)
                steps = sync.apply(steps)
                made = self._commit(sync, steps) if commit else ""
        except SyncRefused as refused:
            raise CommandError(str(refused)) from None
        self._report(sync, steps, made)

    def _check_choices(self, steps, take_file, take_app) -> None:
        """A side taken for a folder that is not in conflict is a mistake: say so."""
        chosen = {step.name: step for step in steps if step.link is not None}
        for name in [*take_file, *take_app]:
            step = chosen.get(name)
            if step is None:
                raise SyncRefused(f"--take-file/--take-app {name}: no such synced folder here")
            if step.action not in ("updated from the file", "written from the app"):
                raise SyncRefused(
                    f"--take-file/--take-app {name}: it is not in conflict ({step.action})"
                )

    def _check_tree(self, sync: Sync, steps) -> None:
        if git_top(sync.root) is None:
            raise SyncRefused(f"--commit: {sync.root} is not in a git working tree")
        writes = [path for step in steps for path in step.writes]
        unclean = [path for path in dirty(sync.root, writes) if path not in own_writes(steps)]
        if unclean:
            files = ", ".join(str(path) for path in unclean)
            raise SyncRefused(
                f"--commit: these files have changes not committed, and the sync would "
                f"write them: {files}. Commit or discard them first; nothing was written."
            )

    def _commit(self, sync: Sync, steps) -> str:
        try:
            return commit(sync.root, steps)
        except subprocess.CalledProcessError as error:
            # A hook refused it, say: the files are written and recorded as synced. They
            # stay uncommitted until a run with --commit writes them again (its own
            # writes, it commits them then) or someone commits them.
            said = (error.stderr or error.stdout or "").strip()
            self.failed_commit = f"git failed: {said}"
            return ""

    def _report(self, sync: Sync, steps, made: str, *, dry_run: bool = False) -> None:
        for path, why in sync.skipped:
            self.stderr.write(f"{path.name}: skipped, {why}")
        changed = 0
        for step in steps:
            line = f"{step.name}: {'would be ' if dry_run else ''}{step.action}"
            if step.failed:
                self.stderr.write(f"{line}: {step.detail}" if step.detail else line)
            elif step.action != "in sync":
                changed += 1
                self.stdout.write(line)
        self.stdout.write(
            f"{len(steps)} folder(s): {changed} changed, "
            f"{sum(s.action == 'in sync' for s in steps)} in sync, "
            f"{sum(s.failed for s in steps)} failed or in conflict."
            + (f" Committed {made[:12]}." if made else "")
            + (" Dry run: nothing was written." if dry_run else "")
        )
        if self.failed_commit:
            self.stderr.write(self.failed_commit)
            raise CommandError("the files were written but not committed; see above")
        if any(step.failed for step in steps):
            raise CommandError("some folders did not sync; see above")
