"""The WSGI app gunicorn serves for bench_sms.py: the real app. With REDIS_URL set (as in
production) each request queues delivery as it would (one SET NX, or one job, on a queue
nobody works, emptied afterwards); without it, in-process delivery is off (as with a
worker), so a request measures the webhook alone."""

import os

from app import create_app

app = create_app({"OUTBOX_DELIVERY": bool(os.environ.get("REDIS_URL"))})
