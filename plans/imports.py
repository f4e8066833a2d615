"""Uploads between their preview and their import: checked as the import will check them,
and kept for their uploader for a while."""

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from plans.markdown import PlanFormatError, parse_plan
from plans.markdown.encoding import decode
from plans.markdown.import_ import ImportResult
from plans.models import PendingImport
from plans.operations import create_plan

# A fix folder, as teams keep them: docs/fixes/<ISSUE>-<NAME>/plan.md beside spec.md.
PLAN_FILE = "plan.md"
SPEC_FILE = "spec.md"


def fix_folders(directory: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The fix folders `directory` is or holds, and each folder in it that is not one, with
    why it was skipped.

    A folder with a plan.md is one fix folder; otherwise each folder in it with a plan.md
    is one, in name order. Symbolic links are not followed: a link in a repository could
    point anywhere on the server."""
    if present(directory / PLAN_FILE):
        return [directory], []
    found, others = [], []
    for child in sorted(directory.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        if child.is_symlink():
            others.append((child, "a symbolic link; not followed"))
        elif present(child / PLAN_FILE):
            found.append(child)
        else:
            others.append((child, f"no {PLAN_FILE} in it"))
    return found, others


def present(path: Path) -> bool:
    """Whether a file is there, a symbolic link included (even one that leads nowhere):
    `read_file` then says why it is not read, rather than the file going unmentioned."""
    return path.exists() or path.is_symlink()


def read_file(path: Path, limit: int, *, follow_link: bool = False) -> bytes:
    """The bytes of a file in a fix folder, refused (ValueError) past `limit` bytes or when
    it is a symbolic link. Read up to the limit, whatever size the file says it has."""
    if path.is_symlink() and not follow_link:
        raise ValueError(f"{path.name} is a symbolic link; only files in the folder are read")
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name} is over {limit} bytes; it may be at most {limit} bytes")
    return data


def check_spec(data: bytes) -> str:
    """The text of a spec.md read by `read_file` (within `limits.SPEC_BYTES`), kept as it
    came; ValueError if it is not text that can be shown."""
    try:
        return decode(data)[0]
    except PlanFormatError as error:
        raise ValueError(f"line {error.line}: {error.message}") from None


def check_import(data: bytes, *, spec: bytes | None = None) -> ImportResult:
    """What importing `data` (and `spec`) would create; raises as the import would. Nothing
    is written: the plan is created in a transaction that is rolled back, so the model's own
    checks run."""
    result = parse_plan(data)
    with transaction.atomic():
        create_plan(result.document, spec=spec)
        transaction.set_rollback(True)
    return result


def keep_for_preview(user, file_name: str, data: bytes) -> PendingImport:
    """Keep an upload for its preview's Import button; this user's earlier one, and anyone's
    older than `PendingImport.KEPT_FOR`, are dropped."""
    expired = timezone.now() - PendingImport.KEPT_FOR
    PendingImport.objects.filter(created_at__lt=expired).delete()
    PendingImport.objects.filter(created_by=user).delete()
    return PendingImport.objects.create(created_by=user, file_name=file_name[:255], data=data)


def pending_import(user, pending_id: int) -> PendingImport | None:
    expired = timezone.now() - PendingImport.KEPT_FOR
    return PendingImport.objects.filter(
        pk=pending_id, created_by=user, created_at__gte=expired
    ).first()
