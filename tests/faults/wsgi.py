"""The app for the fault tests' gunicorn, configured from BUNDLER_FAULT_CONFIG (JSON)."""

from __future__ import annotations

import json
import os

from bundler import create_app

app = create_app(json.loads(os.environ["BUNDLER_FAULT_CONFIG"]))
