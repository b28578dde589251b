"""Dutch labels for enum values, shared by pages, exports and PDFs."""

from __future__ import annotations

import enum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bundler.enums import AnswerStatus, Phase, RelationKind, Role, Urgency, WishState
from bundler.statute_rules import StatuteKind

S = WishState
STATE_LABELS = {
    S.CONCEPT: _l("Concept"),
    S.SUBMITTED: _l("Ingediend"),
    S.NEEDS_INFO: _l("Aanvulling nodig"),
    S.IN_TRIAGE: _l("In behandeling"),
    S.ACCEPTED: _l("Geaccepteerd"),
    S.REJECTED: _l("Afgewezen"),
    S.MERGED: _l("Samengevoegd"),
    S.WITHDRAWN: _l("Ingetrokken"),
    S.OFFERED: _l("Aangeboden"),
}

ANSWER_LABELS = {
    AnswerStatus.RECEIVED: _l("Ontvangen"),
    AnswerStatus.IN_PROGRESS: _l("In behandeling"),
    AnswerStatus.IN_LEGISLATION: _l("In wetgevingstraject"),
    AnswerStatus.REALISED: _l("Gerealiseerd"),
    AnswerStatus.DECLINED: _l("Niet overgenomen"),
}

URGENCY_LABELS = {
    Urgency.LOW: _l("Laag"),
    Urgency.NORMAL: _l("Normaal"),
    Urgency.HIGH: _l("Hoog"),
}

PHASE_LABELS = {
    Phase.PILOT: _l("Pilot"),
    Phase.LIMITED_SCALE_UP: _l("Beperkte opschaling"),
    Phase.STANDARD: _l("Standaard"),
}

ROLE_LABELS = {
    Role.PILOT: _l("Pilotteamlid"),
    Role.OFFICE: _l("Programmabureau"),
    Role.MINISTRY: _l("Ministerie"),
    Role.ADMIN: _l("Beheerder"),
}

# Keyed by (enum class, value): Role.PILOT and Phase.PILOT are both the string "pilot".
ALL_LABELS: dict[tuple[type, str], object] = {
    (type(key), key.value): text
    for table in (STATE_LABELS, ANSWER_LABELS, URGENCY_LABELS, PHASE_LABELS, ROLE_LABELS)
    for key, text in table.items()
}


def label(value: object) -> str:
    """Return the Dutch label of an enum value (the filter `label` in templates)."""
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        # Plain data (WishItem.state, JSON snapshots) carries wish states as strings.
        value = WishState(value) if value in WishState._value2member_map_ else value
    if isinstance(value, enum.Enum):
        return str(ALL_LABELS.get((type(value), value.value), value.value))
    return str(value)


# Build jobs and their steps (per ministry) on the package pages.
STEP_LABELS = {
    "queued": _l("In de wachtrij"),
    "rendering": _l("Wordt gemaakt"),
    "published": _l("Nieuwe versie gepubliceerd"),
    "unchanged": _l("Ongewijzigd: geen nieuwe versie"),
    "failed": _l("Mislukt"),
}
JOB_LABELS = {
    "queued": _l("In de wachtrij"),
    "running": _l("Bezig"),
    "done": _l("Klaar"),
    "failed": _l("Klaar, met fouten"),
}


def step_label(status: str) -> str:
    """Return the label of a build step's status."""
    return str(STEP_LABELS.get(status, status))


def answer_label(status: str | None) -> str:
    """Return the label of an answer status value (or 'no answer yet')."""
    return label(AnswerStatus(status)) if status else _("nog geen antwoord")


def job_label(status: str) -> str:
    """Return the label of a build job's status."""
    return str(JOB_LABELS.get(status, status))


# A wish's timeline: relations, audit actions and changed fields.
RELATION_LABELS = {
    RelationKind.DEPENDS_ON: _l("Hangt af van"),
    RelationKind.FOLLOWS_FROM: _l("Volgt uit"),
}
ACTION_LABELS = {
    "wish.created": _l("Aangemaakt"),
    "wish.updated": _l("Gewijzigd"),
    "wish.state": _l("Status gewijzigd"),
    "wish.supported": _l("Andere pilot sloot zich aan"),
    "wish.attachment_added": _l("Bijlage toegevoegd"),
    "wish.attachment_removed": _l("Bijlage verwijderd"),
    "wish.attachment_shared": _l("Delen van een bijlage met pilots die aansluiten gewijzigd"),
    "wish.support_removed": _l("Steun van een pilot ongedaan gemaakt"),
}
FIELD_LABELS = {
    "title": _l("titel"),
    "problem": _l("probleem"),
    "statute": _l("wet"),
    "statute_unknown": _l("wet onbekend"),
    "article": _l("artikel"),
    "paragraph": _l("lid"),
    "proposed_change": _l("gewenste wijziging"),
    "benefit_who": _l("wie heeft er baat bij"),
    "benefit_cases_per_year": _l("gevallen per jaar"),
    "benefit_savings": _l("opbrengst"),
    "urgency": _l("urgentie"),
    "urgency_reason": _l("reden urgentie"),
    "relations": _l("samenhang"),
}


def relation_label(kind: object) -> str:
    """Return the label of a relation between wishes (hangt af van, volgt uit)."""
    return str(RELATION_LABELS.get(kind, kind))  # type: ignore[call-overload]


def timeline_action(action: str) -> str:
    """Return the label of an audit action on a wish's timeline."""
    return str(ACTION_LABELS.get(action, action.split(".")[-1].replace("_", " ")))


def wish_field_label(name: str) -> str:
    """Return the label of a wish's field, as the timeline names a change."""
    return str(FIELD_LABELS.get(name, name))


# Kinds of regulation in the statute catalogue (issue 12).
STATUTE_KIND_LABELS = {
    StatuteKind.LAW: _l("Wet"),
    StatuteKind.DECREE: _l("AMvB"),
    StatuteKind.REGULATION: _l("Ministeriële regeling"),
    StatuteKind.TREATY: _l("Verdrag"),
    StatuteKind.OTHER: _l("Anders"),
}


def statute_kind_label(value: str) -> str:
    """Return the Dutch label of a statute kind as stored (wet, amvb, ...)."""
    kind = StatuteKind(value) if value in StatuteKind._value2member_map_ else None
    return str(STATUTE_KIND_LABELS[kind]) if kind is not None else value
