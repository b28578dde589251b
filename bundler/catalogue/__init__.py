"""The statute catalogue for the programme office and administrators (issue 12).

- `views`: the list, adding and editing a regulation, retiring, deleting, CSV import/export;
- `ops`: the operations (add and flush, never commit), each audited;
- `succession` and `cabinet`: cabinet changes, moving an ended ministry's open wishes,
  statutes and users to its successor after the office reviewed them;
- `commands`: `bundler export-statutes`, `import-statutes` and `apply-succession`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from bundler import labels
from bundler.catalogue import cabinet, commands, views

bp = Blueprint("catalogue", __name__, url_prefix="/wetten")
bp.add_url_rule("", view_func=views.index)
bp.add_url_rule("/nieuw", view_func=views.new, methods=["GET", "POST"])
bp.add_url_rule("/<bwb_id>/bewerken", view_func=views.edit, methods=["GET", "POST"])
bp.add_url_rule("/<bwb_id>/intrekken", view_func=views.retire, methods=["POST"])
bp.add_url_rule("/<bwb_id>/verwijderen", view_func=views.delete, methods=["POST"])
bp.add_url_rule("/export.csv", view_func=views.export)
bp.add_url_rule("/import", view_func=views.import_csv, methods=["POST"])
bp.add_url_rule("/kabinetswissel", "succession", view_func=cabinet.review)
bp.add_url_rule(
    "/kabinetswissel/<code>", "apply_succession", view_func=cabinet.apply, methods=["POST"]
)


def init_app(app: Flask) -> None:
    """Register this blueprint and its template filter."""
    app.register_blueprint(bp)
    app.cli.add_command(commands.export_statutes)
    app.cli.add_command(commands.import_statutes)
    app.cli.add_command(commands.apply_succession)
    app.add_template_filter(labels.statute_kind_label, "statute_kind_label")
