"""Bytes of a plan file as text: UTF-8 as FixTracker writes it, and what editors save.

A plan written on Windows may be Windows-1252 ("ANSI") or UTF-16 ("Unicode" in Notepad);
refusing it over its encoding would make the user convert a file whose text is fine.
Each decoding other than plain UTF-8 is said in a note, with the line that showed it.
"""

import codecs

from plans.markdown.blocks import PlanFormatError

# The first bytes of files people pick by mistake instead of a plan.
BINARY_KINDS = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or a Word or Excel file)",
    b"\xd0\xcf\x11\xe0": "an old Word or Excel file",
}


# Windows-1252 leaves five bytes undefined; Latin-1, its base, reads every byte.
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
WINDOWS_1252 = "fixtracker-windows-1252"


def _as_windows_1252(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start : error.end]
    return "".join(
        chr(b) if b in CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in bad
    ), error.end


codecs.register_error(WINDOWS_1252, _as_windows_1252)


def decode(data: bytes) -> tuple[str, list[str]]:
    """The text of `data` and notes on how it was read; PlanFormatError if it is not text."""
    kind = next((name for magic, name in BINARY_KINDS.items() if data.startswith(magic)), None)
    if kind is not None:
        raise PlanFormatError(1, f"this is {kind}, not a Markdown text file; is it the right file?")
    notes = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            line = _line(data, error.start)
            raise PlanFormatError(line, "the file starts as UTF-16 text but is not") from None
        notes.append("line 1: the file is UTF-16; read as such")
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
            notes.append("line 1: UTF-8 byte-order mark removed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            # Only the bytes that are not UTF-8 are read as Windows-1252: one pasted from an
            # old editor must not turn the file's ✅ and é into other characters.
            text = data.decode("utf-8", errors=WINDOWS_1252)
            encoding = "Windows-1252"
            if any(byte in CP1252_UNDEFINED for byte in data if byte >= 0x80):
                encoding = "Windows-1252 (Latin-1 for the bytes it leaves undefined)"
            notes.append(
                f"line {_line(data, error.start)}: not UTF-8 (byte 0x{data[error.start]:02X}); "
                f"the file was read as UTF-8, and the bytes that are not as {encoding}"
            )
    if "\x00" in text:
        # No database keeps it faithfully (PostgreSQL refuses it): not a text file.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise PlanFormatError(line, "contains a NUL byte; is this a text file?")
    return text, notes


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
