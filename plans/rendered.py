"""HTML kept per worker under a key that changes whenever what it shows does.

A page rendered for one visitor is served to the next with that visitor's CSRF token put
into its forms: the cached copy holds a slot where each token goes, never a token.
"""

import re
from collections.abc import Callable

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

# NUL never reaches stored text (the forms and the importer refuse it), so no slot can
# collide with anything a user wrote.
TOKEN_SLOT = "\x00csrf-token\x00"
PART_SLOT = re.compile(rb"\x00part-(\w+)\x00")


def render_parts(
    request,
    key: str | None,
    templates: dict[str, str],
    context: Callable[[], dict],
    timeout=DEFAULT_TIMEOUT,
) -> dict[str, bytes]:
    """Each of `templates` rendered with `context()` as UTF-8, or as cached under `key`.

    `context` is called only on a miss, so the queries behind it run only then. Without a
    key the parts are rendered for this request alone.
    """
    if key is None:
        fresh = context()
        return {name: render_to_string(t, fresh, request).encode() for name, t in templates.items()}
    parts = caches["rendered"].get(key)
    if parts is None:
        slotted = {**context(), "csrf_token": TOKEN_SLOT}
        parts = {
            name: render_to_string(template, slotted, request).encode().split(TOKEN_SLOT.encode())
            for name, template in templates.items()
        }
        caches["rendered"].set(key, parts, timeout)
    token = get_token(request).encode()
    return {name: token.join(chunks) for name, chunks in parts.items()}


def render_with_parts(
    request, template: str, context: dict, parts: dict[str, bytes], status: int = 200
) -> HttpResponse:
    """`template` rendered with `{{ page.<name> }}` standing in for each of `parts`.

    The parts go into the response as bytes, after rendering: a large plan's megabyte is
    copied once, rather than at every level of the template that encloses it.
    """
    slots = {name: mark_safe(f"\x00part-{name}\x00") for name in parts}
    response = render(request, template, {**context, "page": slots}, status=status)
    pieces = PART_SLOT.split(response.content)
    # split() leaves the text between the slots at even places and the slots' names at odd.
    pieces[1::2] = [parts[name.decode()] for name in pieces[1::2]]
    response.content = b"".join(pieces)
    return response
