"""HTMX requests whose session has ended: the login page as a whole page, then back.

Without this, an HTMX action after the session expired (or after a logout in another tab)
follows Django's redirect to the login page inside the XMLHttpRequest and swaps the whole
login page, site header and all, into the fragment it meant to replace.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.views.csrf import csrf_failure as django_csrf_failure
from django_htmx.http import HttpResponseClientRedirect


def login_redirect(request) -> HttpResponseClientRedirect:
    """Have htmx load the login page as a page, with the page the user was on as `next`."""
    back = request.htmx.current_url_abs_path or "/"
    return HttpResponseClientRedirect(
        f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"
    )


class HtmxLoginRedirectMiddleware:
    """An HTMX request sent to the login page (`login_required`) is sent there whole."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)
        ):
            return login_redirect(request)
        return response


def csrf_failure(request, reason=""):
    """A post refused for its CSRF token: after a logout the token is no longer the
    session's, so an HTMX action of someone logged out goes to the login page; anything
    else gets Django's page (403)."""
    user = getattr(request, "user", None)
    if request.headers.get("HX-Request") == "true" and not (user and user.is_authenticated):
        from django_htmx.middleware import HtmxDetails

        request.htmx = HtmxDetails(request)
        return login_redirect(request)
    return django_csrf_failure(request, reason)
