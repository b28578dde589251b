"""What a notification says, in the language of the moment (page or mail)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bundler import labels
from bundler.enums import AnswerStatus
from bundler.notifications import kinds

KIND_LABELS = {
    kinds.WISH_STATE: _l("Status van een knelpunt van uw pilot gewijzigd"),
    kinds.WISH_ANSWERED: _l("Antwoord van een ministerie op een knelpunt van uw pilot"),
    kinds.WISH_MERGED: _l("Knelpunt van uw pilot samengevoegd"),
    kinds.WISH_SUPPORTED: _l("Andere pilot sluit zich aan bij een knelpunt van uw pilot"),
    kinds.PACKAGE_VERSION: _l("Nieuwe versie van een pakket voor uw ministerie"),
    kinds.UNANSWERED_REMINDER: _l("Herinnering: knelpunten nog zonder antwoord"),
    kinds.OFFICE_SUBMISSION: _l("Nieuw of opnieuw ingediend knelpunt"),
    kinds.OFFICE_ANSWER: _l("Antwoord van een ministerie"),
    kinds.OFFICE_JOIN: _l("Pilot sluit zich aan bij een knelpunt"),
    kinds.NOT_DOWNLOADED: _l("Pakketversie na een week niet gedownload"),
}
FREQUENCY_LABELS = {
    kinds.IMMEDIATELY: _l("Direct"),
    kinds.DAILY: _l("Dagelijks overzicht"),
    kinds.WEEKLY: _l("Wekelijks overzicht"),
    kinds.NEVER: _l("Geen e-mail"),
}


def kind_label(kind: str) -> str:
    """Return the name of an event type, as the preferences form shows it."""
    return str(KIND_LABELS.get(kind, kind))


def _answer(status: str) -> str:
    return (
        labels.label(AnswerStatus(status)) if status in AnswerStatus._value2member_map_ else status
    )


def describe(kind: str, data: dict[str, Any]) -> str:
    """Return the one-sentence text of a notification."""
    return str(_describe(kind, data))


def _describe(kind: str, data: dict[str, Any]) -> Any:
    ref = data.get("reference", "")
    if kind == kinds.WISH_STATE:
        return _(
            "%(reference)s heeft nu de status %(state)s.",
            reference=ref,
            state=labels.label(data.get("state", "")),
        )
    if kind == kinds.WISH_MERGED:
        return _(
            "%(reference)s is samengevoegd met %(target)s.",
            reference=ref,
            target=data.get("merged_into", ""),
        )
    if kind == kinds.WISH_SUPPORTED:
        return _(
            "Pilot %(pilot)s loopt ook tegen %(reference)s aan.",
            pilot=data.get("pilot", ""),
            reference=ref,
        )
    if kind in (kinds.WISH_ANSWERED, kinds.OFFICE_ANSWER):
        return _(
            "%(ministry)s heeft op %(reference)s geantwoord: %(status)s.",
            ministry=data.get("ministry", ""),
            reference=ref,
            status=_answer(data.get("status", "")),
        )
    if kind == kinds.OFFICE_SUBMISSION:
        return _("%(reference)s is ingediend.", reference=ref)
    if kind == kinds.OFFICE_JOIN:
        return _(
            "Pilot %(pilot)s sluit zich aan bij %(reference)s.",
            pilot=data.get("pilot", ""),
            reference=ref,
        )
    if kind == kinds.PACKAGE_VERSION:
        return _(
            "Pakket %(package)s versie %(version)s staat voor u klaar.",
            package=data.get("package", ""),
            version=data.get("version", ""),
        )
    if kind == kinds.NOT_DOWNLOADED:
        return _(
            "Pakket %(package)s versie %(version)s is na een week nog niet gedownload.",
            package=data.get("package", ""),
            version=data.get("version", ""),
        )
    if kind == kinds.UNANSWERED_REMINDER:
        return _(
            "%(count)s knelpunten wachten langer dan %(weeks)s weken op uw antwoord.",
            count=len(data.get("wishes", [])),
            weeks=data.get("weeks", ""),
        )
    return kind_label(kind)
