"""Background jobs: mail the notifications, send the outbox, digests and reminders.

A commit that made notifications queues `deliver` at once; periodic tasks sweep the outbox
every minute (retries whose wait is over, and anything a lost job left), send the daily
digest at 07:00, the weekly one on Monday at 07:00, and the reminders on weekdays at 08:00.
Each job is safe to run twice: rows are claimed before they are used (`outbox`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from huey import Huey, crontab

from bundler.db import session_scope
from bundler.notifications import kinds, outbox, reminders
from bundler.notifications.mail import mail_notifications
from bundler.queue import get_huey

log = logging.getLogger(__name__)
TASK = "bundler.notifications.deliver_task"
PEEK = 8  # queued jobs read to find a waiting delivery


def deliver(app: Flask) -> int:
    """Turn immediate notifications into mails, then send what is due; return mails sent."""
    with app.app_context():
        with session_scope(app) as session:
            mail_notifications(app, session, frequency=kinds.IMMEDIATELY)
        return outbox.send_due(app)


def send_digests(app: Flask, frequency: str) -> int:
    """Compose the daily or weekly digests and send them; return how many digests."""
    with app.app_context():
        with session_scope(app) as session:
            made = mail_notifications(app, session, frequency=frequency)
        outbox.send_due(app)
        return made


def send_reminders(app: Flask) -> reminders.Sent:
    """Mail the unanswered-wish reminders and flag versions not downloaded; send them."""
    with app.app_context():
        with session_scope(app) as session:
            sent = reminders.run(app, session)
        deliver(app)
        return sent


def install_tasks(huey: Huey, app: Flask) -> None:
    """Add the deliver task and the periodic sweeps, digests and reminders."""

    def deliver_task() -> None:
        deliver(app)

    # A retried job claims rows again: nothing is sent twice (bundler.notifications.outbox).
    app.extensions[TASK] = huey.task(
        name="bundler.notifications.deliver", retries=3, retry_delay=60
    )(deliver_task)

    def sweep() -> None:
        deliver(app)

    def daily() -> None:
        send_digests(app, kinds.DAILY)

    def weekly() -> None:
        send_digests(app, kinds.WEEKLY)

    def remind() -> None:
        send_reminders(app)

    huey.periodic_task(crontab(minute="*"), name="bundler.notifications.sweep")(sweep)
    huey.periodic_task(crontab(minute="0", hour="7"), name="bundler.notifications.daily")(daily)
    huey.periodic_task(
        crontab(minute="0", hour="7", day_of_week="1"), name="bundler.notifications.weekly"
    )(weekly)
    huey.periodic_task(
        crontab(minute="0", hour="8", day_of_week="1-5"), name="bundler.notifications.remind"
    )(remind)


def schedule(app: Flask) -> Any:
    """Queue a delivery now (after a commit that made notifications or mails).

    Not when one is already waiting among the next few in the queue: it has not started, so
    it sends what this commit made as well (a burst of submissions queues one job, not one
    each). Only the next few are read, so a long queue costs no more than a short one.
    """
    huey = get_huey(app)
    task = app.extensions[TASK]
    if not huey.immediate and any(t.name == task.name for t in huey.pending(limit=PEEK)):
        return None
    return task()
