"""Split Markdown lines into the blocks the importer reads: headings, labels, lists,
tables, code fences and paragraphs, each with the line number it starts on.

Hand-written plans drop blank lines, so a bold label always ends the block before it
and a list or table starts a block of its own even with no blank line in between.
"""

import re
from dataclasses import dataclass, field

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A backtick fence's info string may not hold a backtick; a tilde fence's may (CommonMark 4.5).
FENCE_RE = re.compile(r"^(?P<fence>`{3,}(?!.*`)|~{3,})\s*(?P<info>.*)$")
LIST_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?P<text>.*)$")
LABEL_RE = re.compile(r"^\*\*(?P<name>[^*]+?)(?::\*\*|\*\*:)\s*(?P<value>.*)$")
RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


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
    lines = []
    fence = None
    for number, raw in enumerate(text.split("\n"), start=1):
        if "\x00" in raw:
            # No database keeps it faithfully (PostgreSQL refuses it): not a text file.
            raise PlanFormatError(number, "contains a NUL byte; is this a text file?")
        stripped = raw.rstrip()
        match = FENCE_RE.match(stripped.lstrip())
        if fence is None and match:
            fence = match["fence"]
        elif fence is not None and closes_fence(stripped, fence):
            fence = None
        elif fence is not None:
            stripped = raw  # code keeps its own whitespace
        lines.append(Line(number, stripped))
    if lines and lines[-1].text == "":
        lines.pop()
    return lines


def closes_fence(text: str, fence: str) -> bool:
    candidate = text.strip()
    return (
        len(candidate) >= len(fence)
        and set(candidate) == {fence[0]}
        and len(text) - len(text.lstrip()) <= 3
    )


def parse_blocks(lines: list[Line]) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        text = line.text
        stripped = text.strip()
        fence = FENCE_RE.match(stripped)
        if fence:
            current = None
            body: list[str] = []
            start = line
            index += 1
            while index < len(lines) and not closes_fence(lines[index].text, fence["fence"]):
                body.append(lines[index].text)
                index += 1
            if index == len(lines):
                raise PlanFormatError(start.number, "this code block is never closed (```)")
            source = [start.text, *body, lines[index].text]
            blocks.append(
                Block(
                    "fence",
                    start.number,
                    source,
                    text=fence["info"].strip(),
                    value="\n".join(body),
                )
            )
            index += 1
            continue
        index += 1
        if not stripped:
            current = None
            continue
        heading = HEADING_RE.match(text)
        label = LABEL_RE.match(stripped)
        if heading:
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
        elif stripped.startswith("|"):
            current = _continue(blocks, current, "table", line)
        elif LIST_RE.match(text):
            current = _continue(blocks, current, "list", line)
        elif current is not None and current.kind == "list" and text.startswith((" ", "\t")):
            # An indented line continues the list item above it.
            item = current.items[-1]
            current.items[-1] = Line(item.number, f"{item.text} {stripped}")
            current.source.append(text)
        else:
            current = _continue(blocks, current, "paragraph", line)
    return blocks


def _continue(blocks: list[Block], current: Block | None, kind: str, line: Line) -> Block:
    if current is None or current.kind != kind:
        current = Block(kind, line.number)
        blocks.append(current)
    current.source.append(line.text)
    current.items.append(line)
    return current
