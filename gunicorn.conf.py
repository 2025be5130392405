"""gunicorn settings: ``.venv/bin/gunicorn wsgi:app`` (this file is read automatically).

Every value can be changed from the environment. The defaults suit a small server: on a
2-core machine that also runs PostgreSQL, 4 synchronous workers keep both cores busy
while some of them wait on the database (see bench/bench_resident.py)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
preload_app = False
