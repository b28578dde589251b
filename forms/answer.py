"""The ministry's answer on a wish: status plus what that status needs (link, date, reasons)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from bundler.answer_rules import answer_problems
from bundler.enums import AnswerStatus
from forms.base import BaseForm, BoundedDateField, BoundedIntegerField

MESSAGES = {
    "link_required": _l("Vul de link naar het wetsvoorstel of Kamerstuk in."),
    "link_https": _l("Vul een volledige link in die begint met https://."),
    "date_required": _l("Vul de datum in waarop de wijziging in werking treedt."),
    "reasons_required": _l("Geef de redenen waarom het knelpunt niet wordt overgenomen."),
}


class AnswerForm(BaseForm):
    status = RadioField(
        _l("Antwoord van het ministerie"),
        validators=[DataRequired(_l("Kies het antwoord van het ministerie."))],
    )
    link = URLField(
        _l("Link naar wetsvoorstel of Kamerstuk"),
        description=_l(
            "Verplicht bij ‘in wetgevingstraject’. Een volledige link die begint met https://, "
            "bijvoorbeeld naar zoek.officielebekendmakingen.nl."
        ),
        validators=[Optional(), Length(max=500)],
    )
    effective_date = BoundedDateField(
        _l("Datum van inwerkingtreding"),
        description=_l("Verplicht bij ‘gerealiseerd’: de datum waarop de wijziging geldt."),
        validators=[Optional()],
    )
    reasons = TextAreaField(
        _l("Toelichting"),
        description=_l("Verplicht bij ‘niet overgenomen’: de redenen. Anders een toelichting."),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 6},
    )
    # Id of the newest answer the user saw; another answer meanwhile makes this stale (409).
    seen_answer = BoundedIntegerField(widget=HiddenInput(), default=0)

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the fields, then what the chosen status requires."""
        valid = bool(super().validate(extra_validators))
        if not self.status.data or self.status.errors:
            return valid
        try:
            status = AnswerStatus(self.status.data)
        except ValueError:
            return False
        problems = answer_problems(
            status, self.link.data or "", self.effective_date.data, self.reasons.data or ""
        )
        for name, code in problems.items():
            getattr(self, name).errors = [*getattr(self, name).errors, MESSAGES[code]]
        return valid and not problems
