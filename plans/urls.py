from django.contrib.auth import views as auth_views
from django.urls import path, register_converter
from django.views.decorators.http import require_http_methods

from plans.forms import LoginForm
from plans.views import (
    dashboard,
    fix_folder,
    history,
    live,
    log,
    markdown_io,
    my_work,
    plan,
    rows,
    sections,
    share,
    share_links,
    status,
    webhooks,
)
from plans.views.ids import IdConverter

register_converter(IdConverter, "id")

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # Django's form views also take PUT; nothing here should.
    path(
        "accounts/login/",
        require_http_methods(["GET", "POST"])(
            auth_views.LoginView.as_view(authentication_form=LoginForm)
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my-work/", my_work.my_work, name="my_work"),
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/<id:webhook_id>/", webhooks.webhook_detail, name="webhook"),
    path("webhooks/<id:webhook_id>/edit/", webhooks.webhook_edit, name="webhook_edit"),
    path("webhooks/<id:webhook_id>/test/", webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<id:webhook_id>/enable/", webhooks.webhook_enable, name="webhook_enable"),
    path("webhooks/<id:webhook_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<id:webhook_id>/deliveries/<id:delivery_id>/redeliver/",
        webhooks.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("plans/new/", plan.plan_new, name="plan_new"),
    path("plans/import/", markdown_io.plan_import, name="plan_import"),
    path(
        "plans/import/<id:pending_id>/",
        markdown_io.plan_import_confirm,
        name="plan_import_confirm",
    ),
    path("plans/<id:plan_id>/export.md", markdown_io.plan_export, name="plan_export"),
    path("plans/<id:plan_id>/spec/", markdown_io.plan_spec, name="plan_spec"),
    path("plans/<id:plan_id>/spec.md", markdown_io.plan_spec_download, name="plan_spec_download"),
    path("plans/<id:plan_id>/share/", share_links.create_link, name="share_link_create"),
    path(
        "plans/<id:plan_id>/share/<id:link_id>/revoke/",
        share_links.revoke_link,
        name="share_link_revoke",
    ),
    path("s/<str:token>/", share.stakeholder_page, name="stakeholder"),
    path("s/<str:token>/export.md", share.stakeholder_export, name="stakeholder_export"),
    path("plans/<id:plan_id>/", plan.plan_detail, name="plan"),
    path("plans/<id:plan_id>/history/", history.plan_history, name="plan_history"),
    path("plans/<id:plan_id>/live/", live.plan_live, name="plan_live"),
    path("plans/<id:plan_id>/events/", live.plan_events, name="plan_events"),
    path("plans/<id:plan_id>/status/", status.change_status, name="plan_status"),
    path(
        "plans/<id:plan_id>/fix-folder/resolve/",
        fix_folder.resolve_conflict,
        name="fix_folder_resolve",
    ),
    path("plans/<id:plan_id>/log/", log.add_log_entry, name="plan_log"),
    path("plans/<id:plan_id>/sections/<str:name>/", sections.section_show, name="section"),
    path(
        "plans/<id:plan_id>/sections/<str:name>/edit/",
        sections.section_edit,
        name="section_edit",
    ),
    path("plans/<id:plan_id>/rows/<str:kind>/add/", rows.row_add, name="row_add"),
    path("plans/<id:plan_id>/rows/<str:kind>/ticks/", rows.row_ticks, name="row_ticks"),
    path("plans/<id:plan_id>/rows/<str:kind>/<id:row_id>/", rows.row_show, name="row"),
    path("plans/<id:plan_id>/rows/<str:kind>/<id:row_id>/edit/", rows.row_edit, name="row_edit"),
    path("plans/<id:plan_id>/rows/<str:kind>/<id:row_id>/move/", rows.row_move, name="row_move"),
    path(
        "plans/<id:plan_id>/rows/<str:kind>/<id:row_id>/delete/",
        rows.row_delete,
        name="row_delete",
    ),
    path("plans/<id:plan_id>/rows/<str:kind>/<id:row_id>/done/", rows.row_done, name="row_done"),
]
