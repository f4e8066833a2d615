"""The project's settings plus one bare view to compare against."""

from fixtracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
