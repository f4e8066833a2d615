"""Plan files as editors save them: UTF-8 with or without a byte-order mark, Windows-1252
and UTF-16 are read, with a note saying how; only a file that is not text is refused."""

import codecs

import pytest
from django.core.management import call_command
from django.utils import timezone

from plans.markdown import PlanFormatError, parse_plan
from plans.models import Plan
from tests.conftest import GOLDEN, upload_and_import

pytestmark = pytest.mark.django_db

FILLED = (GOLDEN / "filled-plan.md").read_text(encoding="utf-8")
# Typographic quotes and dashes: what a Windows editor writes, and not ASCII.
OVERVIEW = "The “fix” \u2013 café."
WINDOWS_TEXT = FILLED.replace("## Overview\n\n", f"## Overview\n\n{OVERVIEW}\n\n", 1)
WINDOWS_LINE = WINDOWS_TEXT[: WINDOWS_TEXT.index("The “fix”")].count("\n") + 1


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (
            WINDOWS_TEXT.encode("cp1252"),
            f"line {WINDOWS_LINE}: not UTF-8 (byte 0x93); the file was read as UTF-8, and the "
            "bytes that are not as Windows-1252",
        ),
        (codecs.BOM_UTF8 + WINDOWS_TEXT.encode(), "line 1: UTF-8 byte-order mark removed"),
        (WINDOWS_TEXT.encode("utf-16"), "line 1: the file is UTF-16; read as such"),
        (WINDOWS_TEXT.replace("\n", "\r\n").encode("cp1252"), "not as Windows-1252"),
    ],
    ids=["windows-1252", "utf-8 with bom", "utf-16", "windows-1252 crlf"],
)
def test_a_file_in_another_encoding_reads_the_same_with_a_note(data, note):
    now = timezone.now()

    result = parse_plan(data, now=now)

    assert result.document.overview.startswith(OVERVIEW)
    assert result.document == parse_plan(WINDOWS_TEXT, now=now).document
    assert any(note in warning for warning in result.warnings), result.warnings


def test_the_browser_import_reads_windows_1252_and_says_so(alice):
    response = upload_and_import(alice, WINDOWS_TEXT.encode("cp1252"), follow=True)

    assert response.status_code == 200
    assert Plan.objects.get().overview.startswith(OVERVIEW)
    assert f"line {WINDOWS_LINE}: not UTF-8 (byte 0x93)" in response.content.decode()


def test_the_import_command_reads_windows_1252_and_says_so(tmp_path, capsys):
    path = tmp_path / "plan.md"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))

    call_command("import_plan", str(path))

    assert f"note: line {WINDOWS_LINE}: not UTF-8 (byte 0x93)" in capsys.readouterr().out
    assert Plan.objects.get().overview.startswith(OVERVIEW)


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1_and_noted():
    text = FILLED.replace("## Overview\n\n", "## Overview\n\nOdd \x81 byte.\n\n", 1)

    result = parse_plan(text.encode("latin-1"))

    assert "Odd \ufffd byte." in result.document.overview
    assert any("Latin-1 for the bytes it leaves undefined" in w for w in result.warnings)
    assert any("control characters (U+0081)" in warning for warning in result.warnings)


def test_a_picture_or_a_document_is_named_for_what_it_is():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

    with pytest.raises(PlanFormatError, match="line 1: this is a PNG image, not a Markdown"):
        parse_plan(png)
    with pytest.raises(PlanFormatError, match="this is a PDF document"):
        parse_plan(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def test_one_windows_1252_byte_leaves_the_rest_of_a_utf8_file_as_it_is():
    text = "# Café ✅\n\n## Steps\n\n- [x] ✅ shipped\n- [ ] ☐ cleanup \x93quoted\x94\n"
    data = text.encode("utf-8").replace("\x93".encode(), b"\x93").replace("\x94".encode(), b"\x94")

    doc = parse_plan(data).document

    assert doc.fix_name == "Café ✅"
    assert [t.text for t in doc.steps[0].tasks] == ["✅ shipped", "☐ cleanup \u201cquoted\u201d"]
