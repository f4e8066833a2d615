"""The `markdown` filter: no text the app accepts makes it slow; ordinary text renders as before.

Every hostile shape here is as long as a plan's notes may be, most of them both as one long
line and as many short paragraphs. Time is the process's CPU time: it measures the render's
own work even when the machine is busy with other things.
"""

import time
from pathlib import Path

import markdown as markdown_lib
import nh3
import pytest

from plans import limits
from plans.markdown.import_ import parse_plan
from plans.markdown.render import EXTENSIONS
from plans.models import Plan
from plans.operations import create_share_link
from plans.templatetags.plan_text import markdown
from tests.factories import template_plan

LONGEST = limits.NOTES_CHARS
SECONDS = 1.0


def cpu_seconds(work) -> float:
    """The CPU time `work` costs: the least of three runs, so that another process on a busy
    two-core machine does not count as this one's cost."""
    costs = []
    for _ in range(3):
        start = time.process_time()
        work()
        costs.append(time.process_time() - start)
    return min(costs)


DEMO = (Path(__file__).resolve().parents[1] / "plans" / "demo" / "demo-plan.md").read_text()


def one_line(unit: str) -> str:
    return (unit * (LONGEST // len(unit) + 1))[:LONGEST]


def paragraphs(unit: str, width: int = 78) -> str:
    paragraph = (unit * (width // len(unit) + 1))[:width] + "\n\n"
    return (paragraph * (LONGEST // len(paragraph) + 1))[:LONGEST]


def blocks(block: str) -> str:
    """`block` repeated as paragraphs of its own."""
    return ((block + "\n\n") * (LONGEST // (len(block) + 2) + 1))[:LONGEST]


def repeated(text: str) -> str:
    return (text * (LONGEST // len(text) + 1))[:LONGEST]


def nested(line: str, indent: str) -> str:
    """`line` on lines indented one step deeper each."""
    out, depth = [], 0
    while sum(map(len, out)) < LONGEST:
        out.append(indent * depth + line + "\n")
        depth += 1
    return "".join(out)[:LONGEST]


UNITS = {
    "image": "![",
    "bracket": "[",
    "link": "[x](",
    "close": "](",
    "tag": "<a ",
    "lt": "<",
    "backtick": "`",
    "star": "*",
    "underscore": "_",
    "strong": "**a",
    "amp": "&",
    "backslash": "\\",
    "div": "<div>",
    "pipe": "|",
    "gt": ">",
    "comment": "<!--",
    "cdata": "<![CDATA[",
    "nested-brackets": "[[",
    "backtick-a": "`a",
    "entity": "&amp;",
    "mix-openers": "![[<`*_&\\",
    "mix-link-tag": "[x](<a `*",
    "mix-emphasis": "*_",
    "mix-bracket-code": "_[`",
}

HOSTILE = {
    **{f"{name} in one line": one_line(unit) for name, unit in UNITS.items()},
    **{f"{name} in paragraphs": paragraphs(unit) for name, unit in UNITS.items()},
    # A few openers in each long paragraph, each scanning to its end.
    "sparse brackets": blocks(("[" + "x" * 199) * 100),
    "sparse images": blocks(("![" + "x" * 98) * 50),
    "sparse tags": blocks(("<a " + "x" * 97) * 20),
    # Brackets whose partner is hidden by an escape or a code span.
    "escaped closers": one_line("[\\] "),
    "code span closers": one_line("[`]` "),
    "escaped closers in lines": repeated("[\\]\n"),
    # Nesting: recursion, and a pass over the rest for every level.
    "quotes in one line": one_line(">"),
    "quotes deepening": nested("x", ">"),
    "list markers in one line": one_line("- "),
    "ordered markers in one line": one_line("1. "),
    "list deepening": nested("- x", "    "),
    "list and quote markers": one_line("- > "),
    "nested lists per paragraph": blocks("- " * 33 + "x"),
    # A block split again and again.
    "headings in one block": repeated("# x\n"),
    "setext headings in one block": repeated("x\n=\n"),
    "rules in one block": repeated("---\n"),
    "lone dashes": repeated("-\n"),
    "line breaks": repeated("x  \n"),
    "indented code and headings": repeated("    x\ny\n# h\n"),
    "reference definitions": "".join(f"[a{i}]: /u{i}\n" for i in range(LONGEST))[:LONGEST],
    "reference definitions apart": blocks("[a]: b"),
    "references used": ("[a]: /u\n\n" + one_line("[a] "))[:LONGEST],
    # Tables.
    "long table": ("|a|b|\n|-|-|\n" + repeated("|[x](y)|`z`|\n"))[:LONGEST],
    "wide table": "|" + " a |" * 12_000 + "\n|" + " - |" * 12_000,
    "table of pipes": ("a|b\n-|-\n" + one_line("|"))[:LONGEST],
    "table row of code spans and pipes": ("a|b\n-|-\n" + "`a` " * 15_000 + "|" * 15_000)[:LONGEST],
    "many small tables": blocks("a|b\n-|-\nc|d"),
    # Raw HTML.
    "div lines": repeated("<div>\n"),
    "nested divs": one_line("<div>"),
    "closed divs": repeated("<div>x</div>\n"),
    "div around markdown": ("<div>\n" + repeated("*x*\n"))[: LONGEST - 7] + "\n</div>",
    "quoted attributes": one_line('<a x=">" '),
    "open comments": repeated("<!-- x\n"),
    "open comments apart": blocks("<!-- x"),
    "processing instructions": repeated("<?x\n"),
    "declarations": repeated("<!X\n"),
    "script tags": repeated("<script>\n"),
    "autolinks": one_line("<http://x.y/z> "),
    "mail links": one_line("<a@b.c> "),
    # Code fences.
    "fence lines": repeated("```\n"),
    "unclosed fences": repeated("```a\n"),
    "unclosed fence and many fences": ("~~~\n" + repeated("```\nx\n```\n"))[:LONGEST],
    "fences of every length": "".join("`" * k + "\n" for k in range(3, 500))[:LONGEST],
    "fence options": ('```hl_lines="\n```\n' + repeated('"\n'))[:LONGEST],
    "fence attributes": repeated("```{.x y=}\nx\n```\n"),
    "backtick runs of every length": " ".join("`" * k for k in range(1, 450))[:LONGEST],
    # Many cheap elements.
    "tiny paragraphs": blocks("x"),
    "emphasis paragraphs": blocks("*x*"),
    "link paragraphs": blocks("[x](y)"),
    "list item paragraphs": blocks("- x"),
    "emphasis in one line": one_line("*x* "),
    "code spans in one line": one_line("`x` "),
    "links in one line": one_line("[x](y) "),
    "links with titles": one_line('[x](y "t") '),
    "entities in one line": one_line("&amp; "),
    "everything at once": repeated("[*a*](`b`) <i>c</i> &amp; \\* _d_ **e** ![f](g) <h@i.j>\n\n"),
    "whitespace": one_line(" "),
    "blank lines": one_line("\n"),
    "tabs": one_line("\t- "),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_text_takes_a_second_to_render(text):
    assert len(text) <= LONGEST

    assert cpu_seconds(lambda: markdown(text)) < SECONDS


def demo_sections() -> dict[str, str]:
    plan = parse_plan(DEMO).document
    return {"demo overview": plan.overview, "demo notes": plan.notes}


ORDINARY = {
    **demo_sections(),
    "demo plan": DEMO,
    "demo plan at the longest": repeated(DEMO),
    "headings": "# One\n\n## Two\n\nText\n===\n\n### Three ###\n",
    "lists": "- a\n- b\n    - c\n\n1. one\n2. two\n\n- [x] done\n- [ ] to do\n",
    "links": 'See [the spec](https://example.com/spec "Spec") and <https://example.com>.\n'
    "[ref]: https://example.com/ref\n\nA [reference][ref] and [ref].\n",
    "emphasis": "*em*, _em_, **strong**, __strong__, ***both***, snake_case_name, 2 * 3 * 4\n",
    "code": "Run `make test`, then ``a ` b``.\n\n"
    "```python\nif x < 1 and y > 2:\n    print('[x](y)')\n```\n"
    "\n    indented code\n\n~~~\n<b>raw</b>\n~~~\n",
    "tables": "| Metric | Expected | Alert |\n| ------ | :------: | ----: |\n| Error rate | < 0.1% "
    "| > 1% |\n| `p99` | [dash](https://x) | **5** |\n",
    "quotes": "> quoted\n> > nested\n>\n> - list in quote\n",
    "html": "Some <b>bold</b>, <kbd>Ctrl</kbd>, <a href=\"https://x\" title='t'>a</a>\n\n"
    '<div class="note">\n<p>block</p>\n</div>\n\n<!-- a comment -->\n\n'
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(2))\n",
    "escapes and entities": "\\*not em\\*, \\[not a link\\], &amp; &copy; &#169; a < b > c\n",
    "rules and breaks": "a  \nb\n\n---\n\n* * *\n\nline\n",
}


@pytest.mark.parametrize("text", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_markdown_renders_as_it_always_has(text):
    before = nh3.clean(markdown_lib.markdown(text, extensions=EXTENSIONS))

    assert markdown(text) == before


def test_a_slow_block_is_shown_as_escaped_text():
    html = markdown("<script>alert(1)</script> " + "[" * 50_000)

    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [[[" in html


def test_the_blocks_around_a_slow_one_keep_their_formatting():
    html = markdown("# Title\n\n" + "![" * 20_000 + "\n\n**bold** and [a link](https://x)")

    assert "<h1>Title</h1>" in html
    assert "<p>![![![" in html
    assert "<strong>bold</strong>" in html and 'href="https://x"' in html


def test_text_past_the_budget_is_shown_plain():
    html = markdown("*x*\n\n" * 20_000)

    assert html.startswith("<p><em>x</em></p>")
    assert html.endswith("<p>*x*</p>")


@pytest.mark.django_db
@pytest.mark.parametrize("notes", ["link paragraphs", "many small tables", "everything at once"])
def test_the_slowest_text_adds_less_than_a_second_to_its_pages(alice, client, notes):
    """Each page with the slowest overview and notes, against the same page with ordinary
    text at the longest: the difference, not the whole page, is the text's cost, and the
    page's own cost varies with the machine more than a second's budget allows for."""
    pages = {}
    for kind, overview, text in [
        ("ordinary", DEMO, ORDINARY["demo plan at the longest"]),
        ("slowest", HOSTILE["emphasis paragraphs"], HOSTILE[notes]),
    ]:
        plan = template_plan(overview=overview[: limits.OVERVIEW_CHARS])
        Plan.objects.filter(pk=plan.pk).update(notes=text)
        _link, token = create_share_link(plan.pk, label="Support")
        pages[kind] = [(f"/plans/{plan.pk}/", alice), (f"/s/{token}/", client)]

    for (page, user), (ordinary, same_user) in zip(
        pages["slowest"], pages["ordinary"], strict=True
    ):

        def draw(page=page, user=user):
            assert user.get(page).status_code == 200

        def draw_ordinary(page=ordinary, user=same_user):
            assert user.get(page).status_code == 200

        assert cpu_seconds(draw) - cpu_seconds(draw_ordinary) < SECONDS, page
