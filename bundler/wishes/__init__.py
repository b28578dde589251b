"""Wishes for pilot teams: the wish form, the team's overview, a wish's page, joining, files.

Every URL of the area is declared here, next to the module that handles it:
- `pages`: the overview, a wish's page, withdrawing, joining and the similar-wish lookup;
- `form`: the wish form (new, and editing a concept); `files`: attachments;
- `ops`: the operations (add and flush, never commit); `visibility`: who sees what;
- `timeline`: a wish's history; `uploads`: the periodic cleaning of the upload folder.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import current_user

from bundler import labels, queue
from bundler.wishes import files, form, pages, uploads, visibility

bp = Blueprint("wishes", __name__, url_prefix="/knelpunten")
bp.add_url_rule("", view_func=pages.index)
bp.add_url_rule("/<int:wish_id>", view_func=pages.show)
bp.add_url_rule("/nieuw", view_func=form.new, methods=["GET", "POST"])
bp.add_url_rule("/<int:wish_id>/bewerken", view_func=form.edit, methods=["GET", "POST"])
bp.add_url_rule("/<int:wish_id>/intrekken", view_func=pages.withdraw, methods=["POST"])
bp.add_url_rule("/<int:wish_id>/steunen", view_func=pages.support, methods=["GET", "POST"])
bp.add_url_rule("/vergelijkbaar", view_func=pages.similar)
bp.add_url_rule("/<int:wish_id>/bijlagen/<int:attachment_id>", view_func=files.download)
bp.add_url_rule(
    "/<int:wish_id>/bijlagen/<int:attachment_id>/delen",
    view_func=files.share_attachment,
    methods=["POST"],
)
bp.add_url_rule(
    "/<int:wish_id>/bijlagen/<int:attachment_id>/verwijderen",
    view_func=files.remove_attachment,
    methods=["POST"],
)


def init_app(app: Flask) -> None:
    """Register this blueprint and its template helpers."""
    app.register_blueprint(bp)
    queue.register(app, uploads.install_tasks)
    app.add_template_filter(labels.relation_label, "relation_label")
    app.add_template_filter(labels.timeline_action, "timeline_action")
    app.add_template_filter(labels.wish_field_label, "wish_field_label")
    app.add_template_global(labels.audit_value, "audit_value")
    # The outcome at the top of a wish and in lists: only the answers the viewer may see.
    app.add_template_global(
        lambda wish: visibility.outcome_answers(current_user, wish), "latest_answers"
    )
    app.add_template_filter(labels.object_label, "object_label")
    app.add_template_filter(labels.result_label, "result_label")
