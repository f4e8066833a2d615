"""User Markdown shown as sanitised HTML, in time that grows only linearly with the text.

Python-Markdown slows down sharply on some text. It has a fixed cost for every element it
builds. Its link patterns walk from every `[` to the matching `]`, and code spans from every
run of backticks to the next as long, through to the end of the paragraph when there is
none. Its block parser retests the rest of a block after each heading, rule or reference it
splits off, and once per level of nesting; lists nested on one line recurse until Python's
stack runs out. Its fenced-code and raw-HTML preprocessors may walk from an unclosed fence,
tag or comment to the end of the text.

So before Markdown parses the text, `_BlockBudget` prices every block (lines between blank
lines, a code fence never cut) at what those can cost there, and Markdown renders the blocks
in order while their price fits in what is left of one budget for the whole text, set by
its length. A block that does not fit is shown as escaped plain text instead. Ordinary text
costs a small part of the budget, so it renders exactly as it would without the guard.
"""

import bisect
import html
import re
from concurrent.futures import ThreadPoolExecutor

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.preprocessors import Preprocessor

# Python-Markdown passes raw HTML through; nh3 then keeps only safe tags and attributes,
# and adds rel="noopener noreferrer" to every link.
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]

# Prices are in steps of Python-Markdown's Python-level scans (the link patterns walk three
# times from every `[`). A line or a table cell may become an element of its own (a list
# item, a heading); a syntax character may become part of one.
LINE = 250
MARK = 100
LINK_SCANS = 3
# Escapes and code spans are swapped for placeholders of up to this many characters before
# the link patterns scan past them.
PLACEHOLDER = 14
# Markdown copies a paragraph to put each element in it; a scan step costs about as much
# as copying this many characters.
COPIES = 256
# What one text may spend, in proportion to its length: the Markdown on a page then costs
# at most what its fields' length limits allow, and a short field cannot spend what a long
# one may. Ordinary text fits within it; the floor is for short text, whose lines cost more
# than their characters.
BUDGET_PER_CHAR = 25
MIN_BUDGET = 250_000
# Lists nested deeper than this recurse until Python's stack runs out.
MAX_DEPTH = 32

# Characters that may start or end an inline element; the rest of Markdown's syntax is
# priced by the line.
SYNTAX = re.compile(r"[\\`*_\[\]<&]")
# The list and quote markers and indentation in front of a line's text.
NESTING = re.compile(r"(?:[ ]*(?:[*+-]|\d+[.)])(?=[ ]|$)|[ ]*>)*[ ]*")
MARKER = re.compile(r"[*+>-]|\d+[.)]")
# A line Python-Markdown's block parser may split a block at: a heading, a rule or setext
# underline, or a reference definition.
SPLITTER = re.compile(r"#|\[[^\]]*\]:")
RULE = re.compile(r"[ ]*[-=*_][-=*_ ]*")
# What may pair up on a line. An escape or a code span can hide a bracket from the link
# patterns, and a quote can make the link pattern look further for the closing parenthesis.
PAIRING = re.compile(r"\\.|[\[\]()'\"]|<[A-Za-z/!?]")
TICKS = re.compile(r"`+")
HIDING = re.compile(r"[\\`]")
# A tag that ends on its own line; a quoted value could otherwise carry the HTML parser on
# to a quote in a later line. Script and style make it look for their end tag.
NEAR_TAG = re.compile(
    r"<(?:\?[^'\"<>]*\?>"
    r"|/?(?!(?i:script|style)\b)[A-Za-z][^\s'\"<>/=`]*"
    r"(?:\s+[^\s'\"<>/=`]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s'\"<>=`]+))?)*\s*/?>)"
)
COMMENT_END = re.compile(r"--!?>")
FENCE = re.compile(r"`{3,}|~{3,}")
FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ ]*")


class _Price:
    """What Python-Markdown may spend on one block, in scan steps."""

    def __init__(self):
        self.lines = 1
        self.marks = 0
        self.scans = 0
        self.length = 0
        # Escapes and backticks, each of which may grow into a placeholder.
        self.hiding = 0
        # How many times the block may be scanned to its end.
        self.reaches = 1
        self.depth = 0
        self.unbounded = False
        self.indented = False
        self.spans_open = False
        # Comments opened and not yet closed: where they open, and how much text follows.
        self.comments: list[tuple[int, int]] = []

    def add_line(self, line: str, rest: int) -> None:
        """Price `line`, which has `rest` characters of the text from its start on."""
        lead = NESTING.match(line).group()
        depth = len(MARKER.findall(lead)) + lead.count(" ") // 4
        self.depth = max(self.depth, depth)
        # Each level of nesting is a list or quote of its own; two spaces at the end, a break.
        self.lines += 1 + line.count("|") + depth
        self.marks += len(SYNTAX.findall(line)) + line.endswith("  ")
        if SPLITTER.match(line, len(lead)) or RULE.fullmatch(line):
            self.reaches += 1
        indented = line.startswith("    ")
        if indented and not self.indented:
            self.reaches += 1
        self.indented = indented
        near, far, left_open, self.spans_open = _scans(line, self.spans_open)
        self.scans += near
        self.reaches += left_open
        if self.comments and (end := COMMENT_END.search(line)):
            # The HTML parser looks for a comment's end in the text that follows.
            self.scans += sum(self.length - opened + end.end() for opened, _ in self.comments)
            self.comments = []
        for start in far:
            if line.startswith("<!--", start):
                self.comments.append((self.length + start, rest - start))
            else:
                self.scans += rest - start
        self.length += len(line) + 1
        self.hiding += len(HIDING.findall(line))

    def add_fence(self, length: int) -> None:
        """Price a fenced code block: taken out whole, after one scan to its end."""
        self.lines += 2
        self.scans += length
        self.length += 1

    def total(self) -> float:
        if self.unbounded or self.depth > MAX_DEPTH:
            return float("inf")
        return (
            sum(rest for _, rest in self.comments)
            + self.lines * LINE
            + self.marks * MARK
            + self.scans
            + (self.reaches + self.depth + self.marks / COPIES)
            * (self.length + PLACEHOLDER * self.hiding)
        )


def _scans(line: str, spans_open: bool) -> tuple[int, list[int], int, bool]:
    """What scanning from the openers on `line` costs: the steps that end on the line, where
    the HTML parser may read on to the end of the text, how many openers may scan on to the
    end of their block, and whether a code span may still be open after the line.

    Code spans and escapes are taken out before the link patterns run, so a bracket inside
    one does not count; where the code spans are not known, any bracket may be an opener."""
    spans, near, left_open, unsure, spans_open = _code_spans(line, spans_open)
    far: list[int] = []
    brackets: list[int] = []
    parens: list[int] = []
    hidden_bracket = hidden_paren = quoted = -1
    span = 0
    hiding = [m.start() for m in HIDING.finditer(line)]

    def scanned(opened: int, closed: int) -> int:
        between = bisect.bisect(hiding, closed) - bisect.bisect(hiding, opened)
        return LINK_SCANS * (closed - opened + PLACEHOLDER * between)

    comment_ends = list(COMMENT_END.finditer(line)) if "<!--" in line else []
    for m in PAIRING.finditer(line):
        c, at = m.group(), m.start()
        if c[0] == "<":
            end = _comment_end(line, at, comment_ends) if c == "<!" else _tag_end(line, at)
            if end:
                near += end - at
            else:
                far.append(at)
                left_open += 1
            continue
        while span < len(spans) and spans[span][1] <= at:
            span += 1
        if c[0] == "\\" or at >= unsure or (span < len(spans) and spans[span][0] <= at):
            if c[-1] in "[]":
                hidden_bracket = at
            elif c[-1] in "()":
                hidden_paren = at
            if at >= unsure and c in "[(":
                left_open += LINK_SCANS
        elif c == "[":
            brackets.append(at)
        elif c == "]" and brackets:
            opened = brackets.pop()
            if opened < hidden_bracket:
                left_open += LINK_SCANS
            else:
                near += scanned(opened, at)
        elif c == "(":
            parens.append(at)
        elif c == ")" and parens:
            opened = parens.pop()
            if opened < max(hidden_paren, quoted):
                left_open += LINK_SCANS
            else:
                near += scanned(opened, at)
        elif c in "'\"":
            quoted = at
    left_open += LINK_SCANS * (len(brackets) + len(parens))
    # The table extension looks through the code spans for every pipe, to skip those inside.
    near += line.count("|") * len(spans)
    return near, far, left_open, spans_open


def _comment_end(line: str, at: int, ends: list[re.Match]) -> int | None:
    """Where the comment opening at `at` ends on `line`, if it does; `ends` are every `-->`
    on the line. The HTML parser looks for the end from just after the `<!--`."""
    if not line.startswith("<!--", at):
        return None
    i = bisect.bisect_left(ends, at + 4, key=re.Match.start)
    return ends[i].end() if i < len(ends) else None


def _tag_end(line: str, at: int) -> int | None:
    tag = NEAR_TAG.match(line, at)
    return tag.end() if tag else None


def _code_spans(line: str, spans_open: bool) -> tuple[list[tuple[int, int]], int, int, int, bool]:
    """The code spans on `line` as `_scans` needs them: where they are, the steps spent
    finding their ends, how many runs of backticks may scan on to the end of the block, from
    where on the spans are not known, and whether one may still be open after the line.

    A span runs to the next run of as many backticks; a run after an odd number of
    backslashes opens one backtick short. A run with no such partner may pair with a later
    line, or with a shorter run, so from there on which backticks pair up is not known."""
    runs = [(m.start(), m.end()) for m in TICKS.finditer(line)]
    if spans_open:
        return [], 0, len(runs), 0, True
    by_length: dict[int, list[int]] = {}
    for i, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(i)
    spans: list[tuple[int, int]] = []
    near = 0
    i = 0
    while i < len(runs):
        start, end = runs[i]
        slashes = start
        while slashes and line[slashes - 1] == "\\":
            slashes -= 1
        opens = end - start - (start - slashes) % 2
        later = by_length.get(opens, [])
        j = bisect.bisect_right(later, i)
        if not opens:
            i += 1
        elif j < len(later):
            close_start, close_end = runs[later[j]]
            spans.append((start, close_end))
            near += close_start - start
            i = later[j] + 1
        else:
            return spans, near, len(runs) - i, start, True
    return spans, near, 0, len(line) + 1, False


class _BlockBudget(Preprocessor):
    """Lets through the blocks the budget pays for and stashes the rest as plain text."""

    def run(self, lines: list[str]) -> list[str]:
        self.text = "\n".join(lines)
        self.lines = lines
        self.starts = [0]
        for line in lines:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.closers: dict[str, list[int]] = {}
        for number, line in enumerate(lines):
            if m := FENCE_CLOSE.fullmatch(line):
                self.closers.setdefault(m.group(1), []).append(number)

        out: list[str] = []
        plain: list[str] = []
        left = max(MIN_BUDGET, BUDGET_PER_CHAR * len(self.text))
        number = 0
        while number < len(lines) and left >= 2 * LINE:
            if not lines[number]:
                if not plain:
                    out.append("")
                number += 1
                continue
            first = number
            number, price = self._price_block(first, left)
            if price <= left:
                left -= price
                if plain:
                    out.extend([self._stash(plain), ""])
                    plain = []
                out.extend(lines[first:number])
            else:
                if not plain:
                    # The placeholder is a paragraph of its own to Markdown.
                    left -= 2 * LINE
                plain.append(html.escape("\n".join(lines[first:number]), quote=False))
        # Once the budget is spent, the rest is plain text without being priced.
        for block in "\n".join(lines[number:]).split("\n\n"):
            if block.strip():
                plain.append(html.escape(block.strip("\n"), quote=False))
        if plain:
            if out and out[-1]:
                out.append("")
            out.append(self._stash(plain))
        return out

    def _price_block(self, number: int, limit: float) -> tuple[int, float]:
        """Where the block starting at line `number` ends, and its price; pricing stops once
        it passes `limit`."""
        lines, text, starts = self.lines, self.text, self.starts
        price = _Price()
        first = number
        while number < len(lines) and lines[number]:
            if (number - first) % 64 == 63 and price.total() > limit:
                while number < len(lines) and lines[number]:
                    number += 1
                break
            rest = len(text) - starts[number]
            end = self._fence_end(number)
            if end is None and "hl_lines" in lines[number] and FENCE.match(lines[number]):
                # Its options may be looked for through the rest of the text, from every quote.
                price.unbounded = True
            if end is None:
                price.add_line(lines[number], rest)
                number += 1
            elif end < 0:
                price.scans += rest
                price.add_line(lines[number], rest)
                number += 1
            else:
                price.add_fence(starts[end + 1] - starts[number])
                number = end + 1
        return number, price.total()

    def _stash(self, plain: list[str]) -> str:
        return self.md.htmlStash.store("".join(f"<p>{p}</p>\n" for p in plain))

    def _fence_end(self, number: int) -> int | None:
        """The last line of the code fence that opens at line `number`, exactly as
        Python-Markdown's fenced-code preprocessor will find it; None if no fence opens
        there; -1 if that preprocessor will look for its end through the rest of the text."""
        line = self.lines[number]
        m = FENCE.match(line)
        if not m or "hl_lines" in line:
            return None
        after = self.closers.get(m.group(), [])
        i = bisect.bisect_right(after, number)
        if i == len(after):
            return -1
        fence = FencedBlockPreprocessor.FENCED_BLOCK_RE.match(self.text, self.starts[number])
        if not fence:
            return None
        if fence.group("attrs") and get_attrs_and_remainder(fence.group("attrs"))[1]:
            return None
        return after[i]


class _BudgetExtension(Extension):
    def extendMarkdown(self, md):
        # After whitespace is normalised, before fenced code and raw HTML are taken out.
        md.preprocessors.register(_BlockBudget(md), "block_budget", 28)


def render_markdown(text: str) -> str:
    """`text` as Markdown, rendered and sanitised; see the module docstring for the budget.

    The work happens on a thread of its own. Before 3.13.13, CPython frees and reallocates a
    block of its frame stack every time a call crosses from one block into the next
    (python/cpython#142183), so Markdown called from deep inside a template can sit on that
    edge and run many times slower; a new thread starts at the bottom of a fresh stack, the
    same for every page."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="markdown") as worker:
        return worker.submit(_render, text or "").result()


def _render(text: str) -> str:
    rendered = markdown_lib.markdown(text, extensions=[*EXTENSIONS, _BudgetExtension()])
    return nh3.clean(rendered)
