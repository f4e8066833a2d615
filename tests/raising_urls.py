"""URLs that fail on purpose, for the error-page tests."""

from django.db import OperationalError
from django.urls import include, path


def boom(request):
    raise RuntimeError("boom: a bug, on purpose")


def database_down(request):
    raise OperationalError("connection refused, on purpose")


urlpatterns = [
    path("boom/", boom),
    path("database-down/", database_down),
    path("", include("fixtracker.urls")),
]
