"""The project's settings plus one bare view to compare against."""

from fixtracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
# The test client in bench.run, and wrk against gunicorn in bench.load.
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
