"""The WSGI app gunicorn serves for bench_sms.py: the real app, with in-process outbox
delivery off (as with an RQ worker), so a request measures the webhook alone."""

from app import create_app

app = create_app({"OUTBOX_DELIVERY": False})
