"""The "plak een link naar de wet" field, shared by the wish form and triage."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from bundler import lawlinks

LAW_LINK_MAX = 2000


def _readable(form: Any, field: Any) -> None:
    if field.data and lawlinks.parse(field.data) is None:
        raise ValidationError(
            _l(
                "Deze link herkennen we niet. Plak een link van wetten.overheid.nl, of kies "
                "hieronder de wet."
            )
        )


def law_link_field() -> Any:
    """Declare the paste-a-link field (not required)."""
    return StringField(
        _l("Plak een link naar de wet"),
        description=_l(
            "Een link van wetten.overheid.nl vult de wet, het artikel en het lid voor u in."
        ),
        validators=[
            Length(
                max=LAW_LINK_MAX,
                message=_l("Gebruik hoogstens %(max)d tekens.", max=LAW_LINK_MAX),
            ),
            _readable,
        ],
        render_kw={"maxlength": LAW_LINK_MAX, "autocomplete": "off", "spellcheck": "false"},
    )


def apply_law_link(form: Any, known: Container[str]) -> str | None:
    """Fill statute, article and lid from the pasted link; return a BWB id to propose.

    None when no readable link was pasted; "" when the link's regulation is in the catalogue
    (`known` BWB ids); the BWB id when it is not, for the office to confirm during triage.
    """
    ref = lawlinks.parse(form.law_link.data or "")
    if ref is None:
        return None
    form.article.data = ref.article
    form.paragraph.data = ref.paragraph
    if "statute_unknown" in form:
        form.statute_unknown.data = False
    if ref.bwb_id in known:
        form.statute.data = ref.bwb_id
        return ""
    form.statute.data = ""
    return ref.bwb_id
