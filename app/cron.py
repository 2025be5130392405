"""RQ's cron configuration: the single scheduler process runs

    rq cron app/cron.py --url "$REDIS_URL"

and puts the sweep on the queue every SWEEP_INTERVAL_SECONDS; ``rq worker`` runs it. Two
schedulers by mistake would only double the polling: the sweep takes every step once."""

from rq import cron

from app import jobs
from app.config import Config

cron.register(jobs.sweep, Config.RQ_QUEUE, interval=Config.SWEEP_INTERVAL_SECONDS,
              job_timeout=300, name="roadchief-sweep")
