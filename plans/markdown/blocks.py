"""Split Markdown lines into the blocks the importer reads: headings, labels, lists,
tables, code fences and paragraphs, each with the line number it starts on.

Hand-written plans drop blank lines, so a bold label always ends the block before it
and a list or table starts a block of its own even with no blank line in between.
"""

import re
from dataclasses import dataclass, field


# A space or a tab after the #s, as CommonMark says (and the exporter escapes).
class _Headings:
    """`HEADING_RE.match(text)`: None, or [1] the heading's #s and [2] its title, without a
    closing sequence of #s (one after a space or a tab, as CommonMark says).

    Written out rather than as one regular expression: `(.*?)[ \t]*#*[ \t]*$` backtracks
    in cubic time on a long line of spaces, and a few kilobytes would hold a worker."""

    START = re.compile(r"^(#{1,6})[ \t]+(.*)$")

    def match(self, text: str) -> tuple[str, str, str] | None:
        found = self.START.match(text)
        if found is None:
            return None
        title = found[2].rstrip(" \t")
        bare = title.rstrip("#")
        if bare != title and (not bare or bare[-1] in " \t"):
            title = bare.rstrip(" \t")
        return (text, found[1], title)


HEADING_RE = _Headings()
# A backtick fence's info string may not hold a backtick; a tilde fence's may (CommonMark 4.5).
FENCE_RE = re.compile(r"^(?P<fence>`{3,}(?!.*`)|~{3,})\s*(?P<info>.*)$")
LIST_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?P<text>.*)$")
LABEL_RE = re.compile(r"^\*\*(?P<name>[^*]+?)(?::\*\*|\*\*:)\s*(?P<value>.*)$")
SEPARATOR_ROW_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
# The line under a setext heading: `Title` over `=====` (level 1) or `-----` (level 2).
UNDERLINE_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def setext_level(texts: list[str], index: int) -> int:
    """1 or 2 when `texts[index]` is a heading underlined by the next line, else 0.

    Only a paragraph of one line of words counts (a blank line or nothing above it), so a
    `---` rule under a header field, a list or a table stays a rule, as people mean it."""
    if index + 1 >= len(texts) or not (underline := UNDERLINE_RE.match(texts[index + 1])):
        return 0
    if index > 0 and texts[index - 1].strip():
        return 0
    text = texts[index]
    stripped = text.strip()
    if (
        not stripped
        or len(text) - len(text.lstrip(" ")) > 3
        or stripped.startswith((">", "\\", "<", "|"))
        or HEADING_RE.match(text)
        or LIST_RE.match(text)
        or LABEL_RE.match(stripped)
        or "|" in stripped
        or fence_opening(text)
        or RULE_RE.match(text)
        or UNDERLINE_RE.match(text)
    ):
        return 0
    return 1 if underline[1][0] == "=" else 2


class PlanFormatError(ValueError):
    """The file is not a fix plan the importer can read: every problem found, by line.

    `line` and `message` are the first problem; `problems` holds them all, in line order.
    """

    # A file can hold a problem on every line; the first ones say what is wrong.
    SHOWN = 50

    def __init__(self, line: int, message: str, *, problems: list[tuple[int, str]] = ()):
        self.problems = sorted(problems) or [(line, message)]
        self.line, self.message = self.problems[0]
        shown = [f"line {n}: {text}" for n, text in self.problems[: self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            shown.append(f"… and {len(self.problems) - self.SHOWN} more problems")
        super().__init__("\n".join(shown))

    @classmethod
    def of(cls, problems: list[tuple[int, str]]) -> "PlanFormatError":
        return cls(0, "", problems=problems)


@dataclass
class Line:
    number: int
    text: str


@dataclass
class Block:
    kind: str  # heading, label, list, table, fence, rule, paragraph
    line: int
    source: list[str] = field(default_factory=list)
    level: int = 0  # heading
    text: str = ""  # heading text, label name, fence info
    value: str = ""  # label value, fence body
    items: list[Line] = field(default_factory=list)  # list items, table rows

    @property
    def raw(self) -> str:
        return "\n".join(self.source)


def split_lines(text: str) -> list[Line]:
    """Normalise line endings and trailing spaces (outside code) into numbered lines."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    raw_lines = text.split("\n")
    for number, raw in enumerate(raw_lines, start=1):
        if "\x00" in raw:
            # No database keeps it faithfully (PostgreSQL refuses it): not a text file.
            raise PlanFormatError(number, "contains a NUL byte; is this a text file?")
    in_code = code_body_lines(raw_lines)
    lines = [
        Line(number, raw if number - 1 in in_code else raw.rstrip())
        for number, raw in enumerate(raw_lines, start=1)
    ]
    if lines and lines[-1].text == "":
        lines.pop()
    return lines


def code_body_lines(texts: list[str]) -> set[int]:
    """The indexes of the lines inside fenced code blocks, their fences not included."""
    return {i for start, end in fences(texts).items() for i in range(start + 1, end)}


def fence_opening(text: str) -> re.Match | None:
    """The fence a line opens, if it can open one: indented at most three spaces."""
    stripped = text.lstrip(" ")
    return FENCE_RE.match(stripped.rstrip()) if len(text) - len(stripped) <= 3 else None


def fences(texts: list[str]) -> dict[int, int]:
    """Each fenced code block of `texts`: the index of its opening line -> its closing line.

    A fence that is never closed is not a code block here: its lines are read as text, so
    it cannot swallow the rest of the plan. Linear time, even for a file of openers.
    """
    closers = {"`": [0] * (len(texts) + 1), "~": [0] * (len(texts) + 1)}
    for i in range(len(texts) - 1, -1, -1):
        run = _closing_run(texts[i])
        for char, longest in closers.items():
            longest[i] = max(longest[i + 1], len(run) if run[:1] == char else 0)
    found = {}
    i = 0
    while i < len(texts):
        opening = fence_opening(texts[i])
        fence = opening["fence"] if opening else ""
        if fence and closers[fence[0]][i + 1] >= len(fence):
            j = i + 1
            while j < len(texts) and not closes_fence(texts[j], fence):
                j += 1
            if j == len(texts):  # cannot happen while both use `_closing_run`; never loop
                break
            found[i] = j
            i = j
        i += 1
    return found


def _closing_run(text: str) -> str:
    """The fence characters of a line that could close a fence: at most three spaces, one
    character repeated, then only spaces or tabs; "" for any other line."""
    stripped = text.lstrip(" ")
    candidate = stripped.rstrip(" \t")
    if len(text) - len(stripped) > 3 or not candidate or len(set(candidate)) != 1:
        return ""
    return candidate if candidate[0] in "`~" else ""


def closes_fence(text: str, fence: str) -> bool:
    run = _closing_run(text)
    return run[:1] == fence[0] and len(run) >= len(fence)


def parse_blocks(lines: list[Line]) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    texts = [line.text for line in lines]
    closing = fences(texts)
    tails: dict[tuple[int, int], list[str]] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        text = line.text
        stripped = text.strip()
        if index in closing:
            current = None
            end = closing[index]
            body = [lines[i].text for i in range(index + 1, end)]
            blocks.append(
                Block(
                    "fence",
                    line.number,
                    [text, *body, lines[end].text],
                    text=fence_opening(text)["info"].strip(),
                    value="\n".join(body),
                )
            )
            index = end + 1
            continue
        index += 1
        if not stripped:
            current = None
            continue
        heading = HEADING_RE.match(text)
        label = LABEL_RE.match(stripped)
        level = setext_level(texts, index - 1) if index not in closing else 0
        if level:
            current = None
            underline = lines[index].text
            blocks.append(
                Block("heading", line.number, [text, underline], level=level, text=stripped)
            )
            index += 1
        elif heading:
            current = None
            blocks.append(
                Block("heading", line.number, [text], level=len(heading[1]), text=heading[2])
            )
        elif RULE_RE.match(text):
            current = None
            blocks.append(Block("rule", line.number, [text]))
        elif label:
            current = None
            blocks.append(
                Block("label", line.number, [text], text=label["name"], value=label["value"])
            )
        elif stripped.startswith("|") or (
            "|" in stripped
            and (
                (current is not None and current.kind == "table")
                or (index < len(lines) and SEPARATOR_ROW_RE.match(lines[index].text))
            )
        ):
            # A table, with or without pipes at the ends of its rows.
            current = _continue(blocks, current, "table", line)
        elif LIST_RE.match(text):
            current = _continue(blocks, current, "list", line)
        elif current is not None and current.kind == "list" and LIST_RE.match(stripped):
            # A list item indented under another is an item of its own, nested; its text
            # keeps the indentation, which says how deep.
            current = _continue(blocks, current, "list", line)
        elif current is not None and current.kind == "list" and text.startswith((" ", "\t")):
            # An indented line continues the list item above it (joined at the end: adding
            # to the item's text line by line would copy it each time).
            key = (id(current), len(current.items) - 1)
            tails.setdefault(key, [current.items[-1].text]).append(stripped)
            current.source.append(text)
        else:
            current = _continue(blocks, current, "paragraph", line)
    for block in blocks:
        for i, item in enumerate(block.items):
            if (parts := tails.get((id(block), i))) is not None:
                block.items[i] = Line(item.number, " ".join(parts))
    return blocks


def _continue(blocks: list[Block], current: Block | None, kind: str, line: Line) -> Block:
    if current is None or current.kind != kind:
        current = Block(kind, line.number)
        blocks.append(current)
    current.source.append(line.text)
    current.items.append(line)
    return current
