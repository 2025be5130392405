# roadchief: one image for the web app, the RQ worker and the cron scheduler (the compose
# file and the systemd units choose the command). Build: docker build -t roadchief .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ROADCHIEF_INSTANCE=/var/lib/roadchief GUNICORN_BIND=0.0.0.0:8000 PROXY_HOPS=1

# The GEOS library for shapely comes with its wheel; fonts are not needed server-side.
RUN useradd --system --home /srv/roadchief --shell /usr/sbin/nologin roadchief \
    && mkdir -p /var/lib/roadchief && chown roadchief /var/lib/roadchief

WORKDIR /srv/roadchief
COPY pyproject.toml README.md ./
COPY app ./app
COPY workflows ./workflows
# Editable: the app finds migrations/, locales/ and static/ beside its package.
RUN pip install -e .
COPY migrations ./migrations
COPY locales ./locales
COPY static ./static
COPY wsgi.py gunicorn.conf.py babel.cfg ./
RUN pybabel compile -d locales

USER roadchief
EXPOSE 8000
# web by default; the compose file runs "rq worker" and "rq cron" from the same image.
CMD ["gunicorn", "wsgi:app"]
