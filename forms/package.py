"""Forms of the office's package pages: the cover letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.widgets import HiddenInput

from forms.base import BaseForm, BoundedIntegerField

LETTER_MAX = 20_000


class CoverLetterForm(BaseForm):
    cover_letter = TextAreaField(
        _l("Aanbiedingsbrief"),
        description=_l(
            "Opmaak met Markdown: een lege regel begint een nieuwe alinea, **vet**, *cursief*, "
            "een regel die met - begint wordt een opsomming, # maakt een kop. "
            "HTML en afbeeldingen worden niet overgenomen."
        ),
        validators=[
            Length(max=LETTER_MAX, message=_l("De brief mag hoogstens %(max)d tekens zijn."))
        ],
        render_kw={"rows": 16},
    )
    # The package's lock version when the form was loaded, to detect a stale edit (409).
    lock_version = BoundedIntegerField(widget=HiddenInput(), default=0)
