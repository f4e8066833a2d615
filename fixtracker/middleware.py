"""Middleware of the project: the health check, request ids and the request log, the
Content-Security-Policy, a 503 page when the database is unreachable, and a 405 page for a
browser that opens an address meant for a form."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.views.defaults import bad_request

from fixtracker.health import healthz
from fixtracker.logs import request_id

logger = logging.getLogger("fixtracker.request")
db_logger = logging.getLogger("fixtracker.database")

# A proxy's request id is kept if it looks like one; anything else is replaced.
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class HealthCheckMiddleware:
    """Answers `/healthz` before anything checks the Host header or the scheme.

    The container's healthcheck and load balancers ask over plain HTTP by IP address,
    which ALLOWED_HOSTS and the HTTPS redirect would rightly refuse for every other URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id (X-Request-ID), logs one line when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)


class NulRefusedMiddleware:
    """A NUL character in a URL's query is never meant: 400 before any view sees it.

    Text with NUL cannot reach PostgreSQL (psycopg refuses it), and some of Django's own
    views (the admin's autocomplete) pass query text straight to a search.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return bad_request(request, exception=None)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """A database that is down or unreachable gets a 503 page, not a traceback.

    Django closes the broken connection at the end of the request, so the next request
    connects again: the app recovers by itself when the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        db_logger.error("database unavailable: %s", exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response


class MethodNotAllowedPageMiddleware:
    """A browser that opens an action's address (a bookmark, a new tab, Back to a question
    page) gets a page saying so; Django's 405 for `require_POST` is empty."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.htmx:
            return response
        if request.method not in ("GET", "HEAD"):
            return response
        page = render(request, "405.html", status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page
