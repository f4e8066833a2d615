"""Many people on one plan at the same moment, against gunicorn with several workers."""

import re
import threading
from html.parser import HTMLParser

import pytest

from plans.markdown.import_ import parse_plan

pytestmark = pytest.mark.concurrency


def at_once(n: int, action) -> list:
    """Run action(0..n-1) in n threads released together, and return their results."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def exported(served):
    status, text = served.client(0).get(f"/plans/{served.plan}/export.md")
    assert status == 200
    return parse_plan(text).document


def test_forty_people_tick_forty_tasks_and_nothing_is_lost(served):
    def tick(i):
        return served.client(i).post(
            f"/plans/{served.plan}/rows/tasks/{served.tasks[i]}/done/", {"done": "true"}
        )[0]

    statuses = at_once(40, tick)

    assert statuses == [200] * 40
    doc = exported(served)
    assert all(task.done for step in doc.steps for task in step.tasks)
    updates = [row.update for row in doc.log]
    for number, step in enumerate(doc.steps, start=1):
        assert updates.count(f"Step {number}: {step.title} complete") == 1
    assert len([u for u in updates if u.startswith("Timeline: ")]) == 5
    assert [p.status for p in doc.phases][:5] == ["done"] * 5
    _status, page = served.client(1).get(f"/plans/{served.plan}/")
    # 40 tasks and the template's 11 checklist items.
    assert "40 of 51 checkboxes ticked" in page
    for step_id_total in re.findall(r"(\d+)/(\d+) tasks", page):
        assert step_id_total == ("8", "8")


def test_twenty_people_advance_the_status_and_exactly_one_wins(served):
    def advance(i):
        return served.client(i).post(
            f"/plans/{served.plan}/status/", {"expected": "planning", "to": "in_progress"}
        )[0]

    statuses = at_once(20, advance)

    assert sorted(statuses) == [200] + [409] * 19
    doc = exported(served)
    assert doc.status == "in_progress"
    assert [row.update for row in doc.log].count("Status: Planning → In Progress") == 1


class FormFields(HTMLParser):
    """The values a browser would submit from the first form of a fragment."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def header_form(served, i: int) -> dict[str, str]:
    status, html = served.client(i).get(f"/plans/{served.plan}/sections/header/edit/", htmx=True)
    assert status == 200
    parser = FormFields()
    parser.feed(html)
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values


def save_header(served, i: int, data: dict):
    return served.client(i).post(f"/plans/{served.plan}/sections/header/edit/", data)


def test_two_people_editing_different_fields_both_keep_their_change(served):
    forms = [header_form(served, 0), header_form(served, 1)]
    changes = [{"fix_name": "Race, renamed"}, {"issue_id": "RACE-2"}]

    statuses = at_once(2, lambda i: save_header(served, i, {**forms[i], **changes[i]})[0])

    assert statuses == [200, 200]
    doc = exported(served)
    assert (doc.fix_name, doc.issue_id) == ("Race, renamed", "RACE-2")


def test_two_people_editing_the_same_field_the_second_is_told(served):
    forms = [header_form(served, 0), header_form(served, 1)]
    names = ["Name from the first", "Name from the second"]

    answers = at_once(2, lambda i: save_header(served, i, {**forms[i], "fix_name": names[i]}))

    statuses = sorted(status for status, _html in answers)
    assert statuses == [200, 409]
    winner = next(i for i, (status, _html) in enumerate(answers) if status == 200)
    loser_html = answers[1 - winner][1]
    assert f"Someone else changed this to “{names[winner]}”" in loser_html
    assert exported(served).fix_name == names[winner]
