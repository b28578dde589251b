"""Forms of the office's package pages: the cover letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from forms.base import BaseForm, BoundedIntegerField

LETTER_MAX = 20_000


class CoverLetterForm(BaseForm):
    addressee = TextAreaField(
        _l("Geadresseerde"),
        description=_l(
            "Elke regel een regel van het adres, bijvoorbeeld ‘Aan de minister van Justitie en "
            "Veiligheid’, ‘Postbus 20301’, ‘2500 EH Den Haag’. Leeg: ‘Aan de minister van’ en "
            "de naam van het ministerie."
        ),
        validators=[Optional(), Length(max=500, message=_l("Hoogstens %(max)d tekens."))],
        render_kw={"rows": 4},
    )
    letter_date = DateField(
        _l("Datum van de brief"),
        description=_l("Leeg: de datum waarop de versie wordt gebouwd."),
        validators=[Optional()],
    )
    reference = StringField(
        _l("Ons kenmerk"),
        description=_l("Het kenmerk van het programmabureau voor deze brief."),
        validators=[Optional(), Length(max=80, message=_l("Hoogstens %(max)d tekens."))],
    )
    subject = StringField(
        _l("Onderwerp"),
        description=_l("Leeg: ‘Knelpunten in wet- en regelgeving’ met het pakketnummer."),
        validators=[Optional(), Length(max=200, message=_l("Hoogstens %(max)d tekens."))],
    )
    signatory_name = StringField(
        _l("Naam van de ondertekenaar"),
        validators=[Optional(), Length(max=200, message=_l("Hoogstens %(max)d tekens."))],
    )
    signatory_role = StringField(
        _l("Functie van de ondertekenaar"),
        description=_l("Bijvoorbeeld ‘Programmadirecteur Ruimte voor Innovatie’."),
        validators=[Optional(), Length(max=200, message=_l("Hoogstens %(max)d tekens."))],
    )
    cover_letter = TextAreaField(
        _l("Tekst van de brief"),
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


class LogoForm(BaseForm):
    logo = FileField(
        _l("Logo"),
        description=_l(
            "Een PNG- of SVG-bestand van hoogstens 512 kB. Het komt op het voorblad en boven de "
            "aanbiedingsbrief van elk pakket dat daarna wordt gebouwd. Een SVG wordt "
            "teruggebracht tot vormen en tekst; een PNG wordt opnieuw opgeslagen."
        ),
    )
