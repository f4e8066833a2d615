"""Uploads between their preview and their import: checked as the import will check them,
and kept for their uploader for a while."""

from django.db import transaction
from django.utils import timezone

from plans.markdown import create_plan, parse_plan
from plans.markdown.import_ import ImportResult
from plans.models import PendingImport


def check_import(data: bytes) -> ImportResult:
    """What importing `data` would create; raises as the import would. Nothing is written:
    the plan is created in a transaction that is rolled back, so the model's own checks run."""
    result = parse_plan(data)
    with transaction.atomic():
        create_plan(result.document)
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
