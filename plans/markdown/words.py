"""The words people write for the values FixTracker holds: priorities, statuses, phase
statuses and times, as hand-written plans and other teams' documents spell them.

Each reader returns the nearest value, or None when the text does not say one; the
importer keeps the original words in Notes wherever the value alone would lose them.
"""

import datetime
import re

from plans.models import PhaseStatus, Priority, Status


def words_of(text: str) -> str:
    """Lower-case words only: no emoji, bold, brackets or punctuation around them."""
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


# -- priority ---------------------------------------------------------------------------

PRIORITY_CODE_RE = re.compile(r"^\W*p(?P<n>[0-3])\b", re.IGNORECASE)
# Severity 1 is the worst, as incident tools number them; SEV0, where used, is worse still.
SEVERITY_RE = re.compile(r"^\W*sev(?:erity)?[\s_-]*(?P<n>\d)\b", re.IGNORECASE)
SEVERITY_PRIORITY = {0: Priority.P0, 1: Priority.P0, 2: Priority.P1, 3: Priority.P2}
PRIORITY_WORDS = {
    Priority.P0: {"critical", "urgent", "blocker", "highest", "emergency", "showstopper"},
    Priority.P1: {"high", "major", "important"},
    Priority.P2: {"medium", "normal", "moderate", "standard"},
    Priority.P3: {"low", "minor", "trivial", "lowest"},
}


def read_priority(text: str) -> tuple[str | None, bool]:
    """The priority `text` names, and whether that priority's label says all the text did."""
    priority = _priority(text)
    if priority is None:
        return None, False
    label = set(words_of(Priority(priority).label).split())
    return priority, set(words_of(text).split()) <= label


def _priority(text: str) -> str | None:
    if match := PRIORITY_CODE_RE.match(text):
        return f"P{match['n']}"
    if match := SEVERITY_RE.match(text):
        return SEVERITY_PRIORITY.get(int(match["n"]), Priority.P3)
    for word in words_of(text).split()[:1]:
        for priority, names in PRIORITY_WORDS.items():
            if word in names:
                return priority
    return None


# -- plan status ------------------------------------------------------------------------

# Whole phrases first: "Analysis Complete" is a plan still being made, not a fix deployed.
STATUS_PHRASES = {
    "analysis complete": Status.PLANNING,
    "ready for review": Status.IN_REVIEW,
    "ready to deploy": Status.IN_REVIEW,
    "not started": Status.PLANNING,
}
# Then the first word that names a stage, in the order a fix goes through them.
STATUS_WORDS = {
    Status.PLANNING: {
        "planning", "planned", "open", "new", "draft", "proposed", "investigating",
        "investigation", "triage", "triaged", "analysis", "analyzing", "ready", "todo",
        "backlog", "identified", "acknowledged",
    },
    Status.IN_PROGRESS: {
        "progress", "started", "ongoing", "active", "implementing", "implementation",
        "wip", "mitigating", "mitigated", "fixing", "working", "blocked", "monitoring",
    },
    Status.IN_REVIEW: {"review", "reviewing", "testing", "verifying", "verification", "qa"},
    Status.DEPLOYED: {
        "deployed", "done", "fixed", "resolved", "closed", "complete", "completed",
        "shipped", "released", "merged", "finished",
    },
}  # fmt: skip


def read_status(text: str) -> tuple[str | None, bool]:
    """The status `text` names, and whether that status's label says all the text did."""
    words = words_of(text)
    status = next((s for phrase, s in STATUS_PHRASES.items() if words.startswith(phrase)), None)
    for word in words.split():
        if status is not None:
            break
        status = next((s for s, names in STATUS_WORDS.items() if word in names), None)
    if status is None:
        return None, False
    return status, words == words_of(Status(status).label)


# -- phase status -----------------------------------------------------------------------

# Words that mean the status itself, and words whose nearest status loses something (a
# phase "Blocked" is in progress, but the importer keeps the word for the reader).
PHASE_SYNONYMS = {
    PhaseStatus.NOT_STARTED: {"not started", "pending", "todo", "to do"},
    PhaseStatus.IN_PROGRESS: {"in progress", "started", "ongoing"},
    PhaseStatus.DONE: {"done", "complete", "completed", "finished"},
}
PHASE_NEAREST = {
    PhaseStatus.NOT_STARTED: {
        "planned", "waiting", "queued", "scheduled", "open", "new", "cancelled", "canceled",
        "skipped", "n a", "na",
    },
    PhaseStatus.IN_PROGRESS: {
        "active", "blocked", "on hold", "running", "wip", "at risk", "delayed",
    },
    PhaseStatus.DONE: {"deployed", "resolved", "closed", "shipped", "passed", "fixed"},
}  # fmt: skip


def read_phase_status(text: str) -> tuple[str | None, bool]:
    """The phase status `text` names, and whether that status says all the text did."""
    words = words_of(text)
    if not words:
        return PhaseStatus.NOT_STARTED, True
    for status, names in PHASE_SYNONYMS.items():
        if words in names:
            return status, True
    for table in (PHASE_SYNONYMS, PHASE_NEAREST):
        for status, names in table.items():
            if words in names or any(words.startswith(name + " ") for name in names):
                return status, False
    return None, False


# -- times ------------------------------------------------------------------------------

# Zone abbreviations people write in logs; ambiguous ones (IST, CST) take the most used.
ZONES = {
    "z": 0, "utc": 0, "gmt": 0, "wet": 0, "bst": 60, "cet": 60, "wat": 60, "cest": 120,
    "eet": 120, "sast": 120, "eest": 180, "msk": 180, "ist": 330, "sgt": 480, "hkt": 480,
    "cst": -360, "cdt": -300, "jst": 540, "kst": 540, "aest": 600, "aedt": 660,
    "nzst": 720, "nzdt": 780, "hst": -600, "akst": -540, "akdt": -480, "pst": -480,
    "pdt": -420, "mst": -420, "mdt": -360, "est": -300, "edt": -240,
}  # fmt: skip
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
MONTH = r"(?P<month_name>[A-Za-z]{3,9})\.?"
DATE_RES = [
    re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"),
    re.compile(r"(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.](?P<year>\d{4})"),
    re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH},?\s+(?P<year>\d{{4}})"),
    re.compile(rf"{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"),
]
TIME_RE = re.compile(
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<half>[AaPp]\.?[Mm]\.?)?"
)
DAY = datetime.timedelta(days=1)
ZONE_RE = re.compile(
    r"(?:(?P<abbr>[A-Za-z]{1,5})\b)?\s*(?:(?P<sign>[+-])(?P<oh>\d{1,2}):?(?P<om>\d{2})?)?"
)


class AmbiguousDate(ValueError):
    """Both day-first and month-first read as a date: which one the writer meant is unknown."""


def read_time(text: str, day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime | None:
    """The moment `text` names: a date, a clock time, or both, with an optional zone.

    A time alone is on `day`; without a zone it is in `zone`. Raises AmbiguousDate for a
    date like 02/03/2026; None when the text is not a time.
    """
    rest = text.strip().strip("*_`").strip()
    date = None
    for pattern in DATE_RES:
        if match := pattern.match(rest):
            date = _date(match)
            if date is None:
                return None
            rest = rest[match.end() :].lstrip(" ,T")
            break
    clock = datetime.time()
    if match := TIME_RE.match(rest):
        clock = _clock(match)
        if clock is None:
            return None
        rest = rest[match.end() :]
    elif date is None:
        return None
    offset = _offset(rest.strip())
    if offset is False:
        return None
    moment = datetime.datetime.combine(date or day, clock)
    if offset is None:
        return moment.replace(tzinfo=zone)
    if not -DAY < offset < DAY:
        return None  # "+24:00": no zone, and more than Python's time zones can hold
    return moment.replace(tzinfo=datetime.timezone(offset))


def read_date(text: str) -> datetime.date | None:
    """The date `text` starts with, in any of the forms `read_time` reads."""
    rest = text.strip().strip("*_`").strip()
    for pattern in DATE_RES:
        if match := pattern.match(rest):
            return _date(match)
    return None


def _date(match: re.Match) -> datetime.date | None:
    parts = match.groupdict()
    year = int(parts["year"])
    if parts.get("first"):
        first, second = int(parts["first"]), int(parts["second"])
        if first != second and first <= 12 and second <= 12:
            raise AmbiguousDate(match.group())
        # Day-first unless the first number cannot be a day of a month.
        day, month = (second, first) if second > 12 else (first, second)
    else:
        day = int(parts["day"])
        month = MONTHS.get(parts["month_name"].casefold()) if parts.get("month_name") else None
        month = month or int(parts.get("month") or 0)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _clock(match: re.Match) -> datetime.time | None:
    hour, minute = int(match["hour"]), int(match["minute"])
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"][0] in "Pp" else 0)
    try:
        return datetime.time(hour, minute, int(match["second"] or 0))
    except ValueError:
        return None


def _offset(text: str) -> datetime.timedelta | bool | None:
    """The zone written after a time: None for none, False for text that is not a zone."""
    if not text:
        return None
    match = ZONE_RE.fullmatch(text.strip("()"))
    if not match or not (match["abbr"] or match["sign"]):
        return False
    minutes = 0
    if match["abbr"]:
        if match["abbr"].casefold() not in ZONES:
            return False
        minutes = ZONES[match["abbr"].casefold()]
    if match["sign"]:
        sign = -1 if match["sign"] == "-" else 1
        minutes += sign * (int(match["oh"]) * 60 + int(match["om"] or 0))
    return datetime.timedelta(minutes=minutes)
