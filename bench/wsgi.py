"""The app the benchmarks serve with gunicorn, configured from BUNDLER_BENCH_CONFIG (JSON)."""

from __future__ import annotations

import json
import os

from bundler import create_app

app = create_app(json.loads(os.environ["BUNDLER_BENCH_CONFIG"]))
