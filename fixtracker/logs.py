"""One JSON object per line on stdout, each carrying the id of the request it belongs to."""

import contextvars
import json
import logging
import re
import time
import traceback

request_id = contextvars.ContextVar("request_id", default="-")

# A share link's token is a password for its plan: it never reaches the logs, whichever
# logger (ours, django.request's 404s, a traceback) writes the path.
SHARE_TOKEN = re.compile(r"/s/[A-Za-z0-9_-]{16,}")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    converter = time.gmtime
    # Attributes every LogRecord has; anything else was passed as `extra` and is logged too.
    STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self.STANDARD and not key.startswith("_"):
                event[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            event["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return SHARE_TOKEN.sub("/s/[token]", json.dumps(event, ensure_ascii=False))
