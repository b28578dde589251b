"""The programme office: inbox, triage, merging, bundle overview, exports and the audit log.

Every URL of the area is declared here, next to the module whose function handles it:
- `inbox`: the inbox, bulk actions and exports (`listing` holds the filter and its queries,
  `rows` the plain rows of exports and the overview, `exports` the file formats);
- `triage`: one wish's legal basis, text and state; `merge`: merging and undoing it;
- `overview`: the bundle overview; `audit_log`: the audit log;
- `ops` and `merging`: the operations (add and flush, never commit); `forms`: form factories.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from bundler.office import audit_log, inbox, merge, overview, triage

bp = Blueprint("office", __name__, url_prefix="/bureau")
bp.add_url_rule("/knelpunten", view_func=inbox.inbox)
bp.add_url_rule("/bulkactie", view_func=inbox.bulk_action, methods=["POST"])
bp.add_url_rule("/export.<fmt>", view_func=inbox.export)
bp.add_url_rule("/knelpunten/<reference>", view_func=triage.triage)
bp.add_url_rule(
    "/knelpunten/<reference>/grondslag", view_func=triage.save_legal_basis, methods=["POST"]
)
bp.add_url_rule("/knelpunten/<reference>/tekst", view_func=triage.save_text, methods=["POST"])
bp.add_url_rule("/knelpunten/<reference>/status", view_func=triage.save_state, methods=["POST"])
bp.add_url_rule(
    "/knelpunten/<reference>/samenvoegen", view_func=merge.merge, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/knelpunten/<reference>/steun/<int:support_id>/verwijderen",
    view_func=triage.remove_support,
    methods=["POST"],
)
bp.add_url_rule("/knelpunten/<reference>/ontkoppelen", view_func=merge.unmerge, methods=["POST"])
bp.add_url_rule("/overzicht", view_func=overview.overview)
bp.add_url_rule("/logboek", view_func=audit_log.audit_log)
bp.add_url_rule("/knelpunten/<reference>/logboek", view_func=audit_log.wish_audit_log)


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)
