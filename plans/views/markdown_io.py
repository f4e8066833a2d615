"""Downloading a plan as Markdown (and the spec.md kept with it), and importing a Markdown
file from the browser."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from plans.downloads import (
    content_disposition,
    download_filename,
    markdown_response,
)
from plans.forms import ImportForm
from plans.imports import check_import, keep_for_preview, pending_import
from plans.markdown import PlanFormatError, export_plan, import_plan, parse_plan
from plans.markdown.encoding import decode
from plans.markdown.summary import preview
from plans.models import PendingImport, Plan, PlanSpec
from plans.views.access import editor_required, plan_url


@require_safe
@login_required
def plan_export(request, plan_id: int):
    """The same bytes as `manage.py export_plan`."""
    plan = get_object_or_404(Plan.objects.only("issue_id", "fix_name"), pk=plan_id)
    filename = download_filename(plan.issue_id, plan.fix_name, plan.pk)
    text = export_plan(plan.pk)
    return markdown_response(text, filename, f"plan-{plan.pk}.md")


@require_safe
@login_required
def plan_spec(request, plan_id: int):
    """The spec.md that came with the plan from its fix folder, rendered; the page says so
    when none did (the plan's Spec link is relative to its file in the repository)."""
    plan = get_object_or_404(
        Plan.objects.only("issue_id", "fix_name", "spec_title", "spec_link"), pk=plan_id
    )
    spec = PlanSpec.objects.filter(plan=plan).first()
    context = {"plan": plan, "spec": spec}
    if spec is not None:
        text, notes = decode(bytes(spec.data))
        context.update(text=text, notes=notes, size=len(spec.data))
    return render(request, "plans/plan_spec.html", context)


@require_safe
@login_required
def plan_spec_download(request, plan_id: int):
    """The spec.md as it was imported, byte for byte."""
    spec = get_object_or_404(PlanSpec.objects.select_related("plan"), plan_id=plan_id)
    plan = spec.plan
    stem = download_filename(plan.issue_id, plan.fix_name, plan.pk).removesuffix(".md")
    data = bytes(spec.data)
    # Its bytes are not changed, so its charset is said only when it is UTF-8.
    charset = "; charset=utf-8" if _is_utf8(data) else ""
    response = HttpResponse(data, content_type=f"text/markdown{charset}")
    response["Content-Disposition"] = content_disposition(
        f"{stem}-{spec.file_name}", f"plan-{plan.pk}-spec.md"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@require_http_methods(["GET", "POST"])
@editor_required
def plan_import(request):
    """Upload a file; one that would import is kept and its preview shown, nothing saved."""
    if request.method == "GET":
        return render(request, "plans/plan_import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            check_import(form.cleaned_data["file"])
        except PlanFormatError as error:
            # The form says "Not saved" above the field; these say why, each with its line.
            for problem in str(error).splitlines():
                form.add_error("file", problem)
        except ValidationError as error:
            form.add_error("file", f"Not imported: {'; '.join(error.messages)}")
        else:
            pending = keep_for_preview(request.user, form.file_name, form.cleaned_data["file"])
            # To a page of its own, so that reloading the preview does not upload again.
            return redirect("plan_import_confirm", pending_id=pending.pk)
    status = 413 if form.too_large else 422
    return render(request, "plans/plan_import.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@editor_required
def plan_import_confirm(request, pending_id: int):
    """The preview of an upload (GET); Import it as it was uploaded, or Cancel (POST)."""
    pending = pending_import(request.user, pending_id)
    if pending is None:
        messages.error(request, "That preview has expired or was imported already; upload again.")
        return redirect("plan_import")
    if request.method == "GET":
        try:
            result = parse_plan(bytes(pending.data))
        except PlanFormatError as error:  # read the same way when it was uploaded
            messages.error(request, f"Not imported: {error}")
            return redirect("plan_import")
        issue_id = result.document.issue_id
        # Importing never merges: a plan of the same issue already here is named, so that a
        # re-import is a choice and not a duplicate nobody can tell apart.
        same_issue = list(Plan.objects.filter(issue_id=issue_id)[:5]) if issue_id else []
        context = {"pending": pending, "preview": preview(result), "same_issue": same_issue}
        return render(request, "plans/plan_import_preview.html", context)
    if "cancel" in request.POST:
        pending.delete()
        messages.info(request, f"Nothing was imported from {pending.file_name}.")
        return redirect("plan_import")
    try:
        with transaction.atomic():
            # Taken before the plan is made, in its transaction: of two presses of Import
            # (a double click, two tabs), one finds the upload and the other nothing.
            if not PendingImport.objects.filter(pk=pending.pk).delete()[0]:
                messages.error(request, "That preview was imported already.")
                return redirect("plan_import")
            plan, warnings = import_plan(
                bytes(pending.data), user=request.user, source=pending.file_name
            )
    except (PlanFormatError, ValidationError) as error:
        messages.error(request, f"Not imported: {error}")
        return redirect("plan_import")
    for warning in warnings:
        messages.warning(request, warning)
    messages.success(request, f"Imported “{plan}” from {pending.file_name}.")
    return redirect(plan_url(plan.pk))
