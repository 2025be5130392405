"""gunicorn settings: ``.venv/bin/gunicorn wsgi:app`` (this file is read automatically).

Every value can be changed from the environment. The defaults suit a small server: one
worker process per core, each with 4 threads, so that a worker waiting on PostgreSQL or
Redis still serves other requests (on the 2-core benchmark machine this beat 4 sync
workers by about 2x; see bench/bench_resident.py)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
preload_app = False
