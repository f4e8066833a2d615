"""The Markdown file as an HTTP download: its name and headers."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

# Characters that Windows, macOS or Linux refuse or treat specially in a file name.
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
MAX_STEM = 120
MAX_STEM_BYTES = 230
# Invisible characters: format characters (Cf: bidi overrides and isolates such as U+202E,
# which shows "invoice\u202egnp.exe.md" as "invoicedm.exe.png", zero-width characters, the
# BOM) and controls (Cc: C1, and C0 already made separators by UNSAFE). Dropped.
INVISIBLE = {"Cc", "Cf"}
# Windows refuses these as file names whatever the extension.
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)}


def download_filename(issue_id: str, fix_name: str, plan_id: int) -> str:
    """`INC-2041-checkout-times-out.md`: readable, and safe on every filesystem.

    Non-ASCII letters are kept (normalised to NFC); the response sends them through
    `filename*`, with an ASCII `filename` beside it for old clients. Invisible characters
    are dropped: a right-to-left override would make the name read as another one.
    """
    stem = " ".join(part for part in (issue_id, fix_name) if part)
    stem = unicodedata.normalize("NFC", stem)
    stem = UNSAFE.sub(" ", stem)
    stem = "".join(char for char in stem if unicodedata.category(char) not in INVISIBLE)
    stem = re.sub(r"\s+", "-", stem.strip()).strip(".-")
    stem = stem[:MAX_STEM]
    # Filesystems count bytes (255 in a name on most); `export_all` adds its id before the
    # name and ".partial" after it while writing.
    while len(stem.encode()) > MAX_STEM_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(".-")
    if stem.upper() in RESERVED:
        stem = f"plan-{stem}"
    return f"{stem or f'plan-{plan_id}'}.md"


def content_disposition(filename: str, fallback: str) -> str:
    """RFC 6266: an ASCII `filename` for every client, `filename*` with the real name."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"-+\.md$", ".md", re.sub(r"-{2,}", "-", ascii_name)).strip("-")
    if not ascii_name or ascii_name == ".md":
        ascii_name = fallback
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def markdown_response(text: str, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response
