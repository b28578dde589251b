"""Dutch labels for enum values, shared by pages, exports and PDFs."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from bundler.models import AnswerStatus, Phase, Role, Urgency, WishState

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
