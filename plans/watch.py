"""Open plan pages told when their plan moves, over server-sent events.

An engineer's page holds one stream open (`plans.views.live.plan_events`); the stream sends
the plan's version each time it moves, and the page then asks `plan_live` what changed and
redraws. However many pages are open in a process, the process reads the versions of the
plans they watch once per check interval, in one query: the stream that finds the check
due makes it, while the others wait for its answer. No thread of our own, no cache: the
version column, kept by the one write path, is read where every write leaves it.

A stream holds a server thread for its life (gunicorn's gthread workers) but no database
connection: it gives its connection back before it waits, and the stream that checks takes
one from the pool for that one query.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection

from plans.models import Plan

logger = logging.getLogger("fixtracker.live")

# How long a browser waits before it opens a stream again after one ends.
RETRY_MS = 2000


class Full(Exception):
    """This process holds as many streams as it may, or as many of one user's: the page
    polls instead. (Streams opened at the same moment may pass the limits by a few; they
    guard threads, not a contract.)"""


class Watcher:
    def __init__(self):
        self.lock = threading.Lock()
        self.moved = threading.Condition(self.lock)
        self.watched: Counter[int] = Counter()
        # The newest version seen of each watched plan; None once it is gone.
        self.versions: dict[int, int | None] = {}
        self.checked_at = 0.0
        self.readers: Counter[int] = Counter()
        self.unreadable = False
        # Whether this process still serves: gunicorn.conf.py has it ask the worker, which
        # stops for a deploy, a restart or after max_requests. A stopping worker waits for
        # its requests, and streams never end by themselves: each ends at its next wake.
        self.serving: Callable[[], bool] = lambda: True

    def has_room(self, user_id: int) -> bool:
        with self.lock:
            return (
                self.watched.total() < settings.FIXTRACKER_LIVE_STREAMS
                and self.readers[user_id] < settings.FIXTRACKER_LIVE_STREAMS_PER_USER
            )

    def join(self, plan_id: int, version: int, user_id: int) -> None:
        with self.lock:
            self.watched[plan_id] += 1
            self.readers[user_id] += 1
            known = self.versions.get(plan_id)
            self.versions[plan_id] = version if known is None else max(known, version)

    def leave(self, plan_id: int, user_id: int) -> None:
        with self.lock:
            self.readers[user_id] -= 1
            if self.readers[user_id] <= 0:
                del self.readers[user_id]
            self.watched[plan_id] -= 1
            if self.watched[plan_id] <= 0:
                del self.watched[plan_id]
                self.versions.pop(plan_id, None)

    def next_version(self, plan_id: int, seen: int, until: float) -> int | None:
        """The plan's version once it is past `seen`, or `seen` when `until` (a monotonic
        time) comes first; None when the plan is gone or the process stops serving."""
        every = settings.FIXTRACKER_LIVE_CHECK_SECONDS
        while True:
            with self.lock:
                current = self.versions.get(plan_id, seen)
                if not self.serving():
                    return None
                if current is None or current > seen:
                    return current
                now = time.monotonic()
                if now >= until:
                    return seen
                if now < self.checked_at + every:
                    self.moved.wait(min(until, self.checked_at + every) - now)
                    continue
                # This stream checks; the others see the check taken and wait for it.
                self.checked_at = now
                plan_ids = list(self.watched)
            self.check(plan_ids)

    def check(self, plan_ids: list[int]) -> None:
        try:
            rows = dict(
                Plan.objects.filter(pk__in=plan_ids).order_by().values_list("pk", "version")
            )
        except DatabaseError:
            # The database is away: the streams stay open and the next check tries again.
            # Said once, not every second until it is back.
            if not self.unreadable:
                logger.warning("The live check cannot read plan versions.", exc_info=True)
            self.unreadable = True
            return
        finally:
            give_back_connection()
        if self.unreadable:
            logger.warning("The live check reads plan versions again.")
            self.unreadable = False
        with self.lock:
            moved = False
            for plan_id in plan_ids:
                if plan_id not in self.watched:
                    continue
                version, known = rows.get(plan_id), self.versions[plan_id]
                if version != known and (version is None or known is None or version > known):
                    self.versions[plan_id] = version
                    moved = True
            if moved:
                self.moved.notify_all()


watcher = Watcher()


def give_back_connection() -> None:
    """Hands this thread's connection back (to the pool, on PostgreSQL) while it waits.

    Inside a transaction (a test's) the connection is kept: closing it would end that.
    """
    if not connection.in_atomic_block:
        connection.close()


class Stream:
    """The body of one page's event stream: the version now if the page is behind, then
    each new one; a comment now and then, so that a client gone away is noticed and
    proxies keep the line open; and an end after a while, when the browser opens a new
    stream (and its login is checked again)."""

    def __init__(self, plan_id: int, user_id: int, seen: int, version: int):
        if not watcher.has_room(user_id):
            raise Full
        self.plan_id = plan_id
        self.user_id = user_id
        self.seen = seen
        self.version = version
        self.started = False
        self.closed = False
        self.until = time.monotonic() + settings.FIXTRACKER_LIVE_STREAM_SECONDS

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.closed:
            raise StopIteration
        if not self.started:
            # Watched from here, not from the view: a response never sent (its client gone
            # at once) is never closed either, and would hold its place for good.
            self.started = True
            watcher.join(self.plan_id, self.version, self.user_id)
            give_back_connection()
            opening = f"retry: {RETRY_MS}\n\n"
            if self.version > self.seen:
                opening += self._event(self.version)
            return opening.encode()
        heartbeat = time.monotonic() + settings.FIXTRACKER_LIVE_HEARTBEAT_SECONDS
        version = watcher.next_version(self.plan_id, self.seen, min(heartbeat, self.until))
        if version is None or (version == self.seen and time.monotonic() >= self.until):
            # A plan deleted ends the stream (the browser's next one is answered 404), as a
            # worker stopping does (the next one goes to another).
            raise StopIteration
        if version > self.seen:
            return self._event(version).encode()
        return b": still here\n\n"

    def _event(self, version: int) -> str:
        self.seen = version
        return f"id: {version}\ndata: {version}\n\n"

    def close(self) -> None:
        if self.started and not self.closed:
            watcher.leave(self.plan_id, self.user_id)
        self.closed = True
