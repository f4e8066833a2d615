"""Showing user text: Markdown rendered and sanitised, placeholders filled with plan values."""

import re

from django import template
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from plans import limits
from plans.markdown.format import PLACEHOLDER, VARIABLE_RE, fill_variables, moment, zone_of
from plans.markdown.render import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """User text as sanitised HTML, in bounded time whatever the text (see `render_markdown`)."""
    return mark_safe(render_markdown(text or ""))


@register.filter
def fill(text: str, variables: dict[str, str]) -> str:
    """A checklist item or task with the plan's values filled in, no longer than an item."""
    return marked(fill_variables(text or "", variables or {}, limits.ITEM_CHARS))


@register.filter
def fill_command(text: str, variables: dict[str, str]) -> str:
    """A command block with the plan's values filled in, no longer than a command."""
    return marked(fill_variables(text or "", variables or {}, limits.COMMAND_CHARS))


def marked(text: str) -> str:
    """`text` escaped, its `code spans` shown as code, and each {{PLACEHOLDER}} still in it
    marked as one: a value not yet given should not read as real content. Escaping leaves
    the placeholders as they were (their names are capitals, digits and underscores)."""
    return mark_safe(
        VARIABLE_RE.sub(
            lambda match: f'<span class="placeholder" title="Not set yet">{match[0]}</span>',
            inline(text),
        )
    )


# One line's `code span`, as Markdown writes it; a lone backtick stays as typed.
CODE_SPAN_RE = re.compile(r"`([^`\n]+)`")


def _code_spans(escaped: str) -> str:
    return CODE_SPAN_RE.sub(r"<code>\1</code>", escaped)


@register.filter
def inline(text: str) -> str:
    """One line of user text (a log entry, a criterion) escaped, its `code spans` shown as
    code, as its Markdown file shows them; nothing else of Markdown."""
    return mark_safe(_code_spans(escape(text or "")))


@register.filter
def has_field_errors(form) -> bool:
    """Whether a field of the form has an error (not only the form as a whole)."""
    return any(name != NON_FIELD_ERRORS for name in form.errors)


@register.filter
def safe_url(url: str) -> str:
    """The URL if it is http(s), else empty: a plan's spec link must not run script."""
    return url if url.startswith(("https://", "http://")) else ""


@register.filter
def or_placeholder(value: str, field: str) -> str:
    """A blank field shows as the template's placeholder, as the export writes it."""
    return value or PLACEHOLDER.get(field, "")


@register.filter
def list_id(row, kind) -> str:
    return kind.list_id(row)


@register.filter
def dom_id(row, kind) -> str:
    """`tasks-12`: the HTML id of a row, and its anchor."""
    return f"{kind.name}-{row.pk}"


@register.filter
def cells(row, kind) -> list[tuple[str, str]]:
    """A table row's (column label, value) in column order, choices shown by their labels.
    The label heads the cell where a phone shows the row as a card."""
    values = []
    for name in kind.columns:
        display = getattr(row, f"get_{name}_display", None)
        label = kind.form.base_fields[name].label
        values.append((label, display() if display else getattr(row, name)))
    return values


@register.filter
def when_exact(value) -> str:
    """`when` to the second: for retries seconds apart."""
    if not value:
        return ""
    exact = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return format_html('<time datetime="{}">{} {}</time>', value.isoformat(), exact, zone_of(value))


@register.filter
def when(value) -> str:
    """A moment as every page shows one: date, time and the zone it is in (`TIME_ZONE`),
    never a bare time."""
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), moment(value))
