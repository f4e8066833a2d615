"""gunicorn as production runs it: the container and `make serve` both use this file."""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is stuck, not slow: the worker is replaced.
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
