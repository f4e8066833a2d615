from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


# The floor under every engineer's page: the same constant behind a session, its user and
# the change permission, which the bare view above never loads.
bare_editor = login_required(permission_required("plans.change_plan", raise_exception=True)(bare))

urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-editor/", bare_editor),
    path("", include("fixtracker.urls")),
]
