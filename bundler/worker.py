"""The job worker's entry module: `huey_consumer bundler.worker.huey -k thread -w 2`.

The only module that builds an app when imported: the consumer imports `huey` from here.
"""

from __future__ import annotations

from bundler import create_app
from bundler.packages.jobs import recover_interrupted
from bundler.queue import get_huey

app = create_app()
huey = get_huey(app)
recover_interrupted(app)
