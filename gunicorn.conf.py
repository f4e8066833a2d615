"""gunicorn as production runs it: the container and `make serve` both use this file."""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads, because an engineer's open plan page holds a stream for minutes (plans/watch.py):
# a stream waits in a thread, without a database connection. At most FIXTRACKER_LIVE_STREAMS
# threads hold streams (by default GUNICORN_THREADS less 16, read from the environment like
# this): the rest serve every other request.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "128"))
# A worker that stops answering its master for this long is stuck: it is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Workers are forked from a master that has already imported the app: a recycled worker is
# ready in milliseconds, where importing Django again held requests for ~300 ms (p99).
preload_app = True
# FixTracker logs every request itself, as JSON with its request id; gunicorn's errors
# go to stderr, next to it.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Open plan pages' streams end when their worker stops (a deploy, a restart, or
    max_requests reached), which would otherwise wait graceful_timeout for them and then
    be killed: each stream ends at its next wake, within about a second."""
    from plans.watch import watcher

    watcher.serving = lambda: worker.alive
