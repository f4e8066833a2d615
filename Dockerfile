# FixTracker's production image: gunicorn serving Django, static files through WhiteNoise.
# 3.13 (3.13.13 or newer; the tag follows its releases): from 3.13.13 CPython keeps a spare
# block of its frame stack instead of freeing and reallocating one each time a call crosses
# into it (python/cpython#142183), which made the plan page two to three times slower on
# 3.11 and 3.12 (docs/performance.md).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies only, from pyproject.toml, in their own layer so code changes do not reinstall
# them. The project runs from /app itself (templates and static files live beside the code).
COPY pyproject.toml README.md ./
RUN mkdir -p fixtracker plans \
    && touch fixtracker/__init__.py plans/__init__.py \
    && pip install . \
    && pip uninstall -y fixtracker \
    && rm -rf fixtracker plans build

COPY . .
RUN useradd --system --uid 10001 --home-dir /app fixtracker \
    && DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput \
    && chown -R fixtracker /app/var

USER fixtracker
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Migrations run on every start: they are idempotent, and the db service is healthy first.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn fixtracker.wsgi -c gunicorn.conf.py"]
