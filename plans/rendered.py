"""HTML kept per worker under a key that changes whenever what it shows does.

A page rendered for one visitor is served to the next with that visitor's CSRF token put
into its forms: the cached copy holds a slot where each token goes, never a token.
"""

from collections.abc import Callable

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# NUL never reaches stored text (the forms and the importer refuse it), so the slot cannot
# collide with anything a user wrote.
TOKEN_SLOT = "\x00csrf-token\x00"


def render_parts(
    request, key: str | None, templates: dict[str, str], context: Callable[[], dict]
) -> dict[str, SafeString]:
    """Each of `templates` rendered with `context()`, or as cached under `key`.

    `context` is called only on a miss, so the queries behind it run only then. Without a
    key the parts are rendered for this request alone.
    """
    if key is None:
        fresh = context()
        return {name: render_to_string(t, fresh, request) for name, t in templates.items()}
    parts = caches["rendered"].get(key)
    if parts is None:
        slotted = {**context(), "csrf_token": TOKEN_SLOT}
        parts = {
            name: render_to_string(template, slotted, request).split(TOKEN_SLOT)
            for name, template in templates.items()
        }
        caches["rendered"].set(key, parts)
    token = get_token(request)
    return {name: mark_safe(token.join(chunks)) for name, chunks in parts.items()}
