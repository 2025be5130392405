"""gunicorn settings: ``.venv/bin/gunicorn wsgi:app`` (this file is read automatically).

Every value can be changed from the environment. The default is what measured best on
the 2-core benchmark machine (bench/bench_resident.py, bench_open311.py, bench_sms.py):
sync workers, one more than the cores. A request here is mostly Python work, so threads
in one process wait for each other's interpreter lock; and a threaded worker keeps each
keep-alive connection to itself, so a few busy clients can pile onto one worker while
another idles (POST requests.json: 504/s with 3 sync workers, 214/s with 2 x 2 threads).
Sync workers do not shield themselves from slow clients: run them behind a buffering
proxy (nginx), as gunicorn's documentation advises. ``GUNICORN_THREADS`` > 1 switches to
threaded workers for a deployment without such a proxy."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or ("gthread" if threads > 1 else "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
keepalive = 5
# Open311 clients poll every open report's id in one query string (FixMyStreet sends a
# thousand ids: ~12 kB); gunicorn's default request line is 4094 bytes and its largest
# bounded one 8190, so the line is unbounded here (0) and a proxy in front sets the cap
# (nginx: large_client_header_buffers 4 32k).
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", 0))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
preload_app = False

# Prometheus: each worker writes its counters to files in this directory and any worker's
# /metrics adds them up (prometheus_client's multiprocess mode). One directory per gunicorn
# instance (two on one host must not share it): cleared when the instance starts.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(os.environ.get("TMPDIR", "/tmp"),
                 "roadchief-prometheus-" + bind.replace(":", "-").replace("/", "_")))


def on_starting(server):
    import shutil

    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    if _check_sms_gateway():  # it made an app here: its counters are not a worker's
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)


def _check_sms_gateway():
    """A template SMS gateway (SMS_GATEWAY=tencent) with a message kind that has no
    template is refused here, before any worker serves (see app/services/sms_gateways)."""
    if os.environ.get("SMS_GATEWAY", "").strip().lower() != "tencent":
        return False
    from app import create_app
    from app.extensions import db
    from app.services import sms_gateways

    app = create_app()
    try:
        sms_gateways.check_on_start(app)
    finally:
        with app.app_context():
            db.engine.dispose()  # no connection crosses the fork into a worker
    return True


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
