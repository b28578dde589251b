"""Packages: one consolidated, versioned PDF per ministry, built, published and followed up.

Every URL of the office's package pages is declared here, next to the module that handles it:
- `views`: the office's pages (build, progress, cover letter, close, download, follow-up);
- `build`: prepare, render and publish a version; `content`: what a package says;
- `answers`: the ministries' answers; `follow_up`: readiness and answer queries;
- `jobs`: builds on the job queue; `downloads`: sending a version with a receipt;
- `logo`: the administrator's page for the office's logo on the cover and letter.
The ministry's own pages are in `bundler.ministry`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from bundler import queue
from bundler.labels import answer_label, job_label, step_label
from bundler.packages import jobs, logo, views

bp = Blueprint("packages", __name__, url_prefix="/bureau/pakketten")
bp.add_url_rule("", view_func=views.index)
bp.add_url_rule("/<code>", view_func=views.ministry_packages)
bp.add_url_rule("/<code>/bouwen", "build", view_func=views.queue_build, methods=["POST"])
bp.add_url_rule("/bouwen", "build_all", view_func=views.queue_build_all, methods=["POST"])
bp.add_url_rule("/taken/<int:job_id>", view_func=views.progress)
bp.add_url_rule("/taken/<int:job_id>/status", view_func=views.progress_status)
bp.add_url_rule("/<code>/brief", view_func=views.cover_letter, methods=["GET", "POST"])
bp.add_url_rule("/<code>/afsluiten", view_func=views.close, methods=["POST"])
bp.add_url_rule("/versies/<int:package_version_id>.<any(pdf, json):kind>", view_func=views.download)
bp.add_url_rule("/opvolging", view_func=views.follow_up_overview)
bp.add_url_rule("/opvolging/<code>", view_func=views.follow_up_ministry)


def init_app(app: Flask) -> None:
    """Register this blueprint and the labels its templates use."""
    app.register_blueprint(bp)
    app.register_blueprint(logo.bp)
    queue.register(app, jobs.install_tasks)
    app.jinja_env.globals.update(
        step_label=step_label, job_label=job_label, answer_label=answer_label
    )
