"""Dutch labels for enum values, shared by pages, exports and PDFs."""

from __future__ import annotations

import enum
from typing import Any

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
# Every audit action, as pages name it (the timeline, the office's tables, the audit log).
ACTION_LABELS = {
    "wish.created": _l("Aangemaakt"),
    "wish.updated": _l("Gewijzigd"),
    "wish.state": _l("Status gewijzigd"),
    "wish.supported": _l("Andere pilot sloot zich aan"),
    "wish.attachment_added": _l("Bijlage toegevoegd"),
    "wish.attachment_removed": _l("Bijlage verwijderd"),
    "office.logo": _l("Logo van het programmabureau vervangen"),
    "office.logo_removed": _l("Logo van het programmabureau verwijderd"),
    "ministry.succession": _l("Taken overgedragen aan opvolgend ministerie"),
    "statute.updated": _l("Regeling in de wettenlijst gewijzigd"),
    "statute.deleted": _l("Regeling uit de wettenlijst verwijderd"),
    "wish.statute_confirmed": _l("Voorgestelde regeling bevestigd in de wettenlijst"),
    "wish.attachment_shared": _l("Delen van een bijlage met pilots die aansluiten gewijzigd"),
    "wish.support_removed": _l("Steun van een pilot ongedaan gemaakt"),
    "wish.text": _l("Tekst aangepast door het programmabureau"),
    "wish.triage": _l("Wettelijke grondslag vastgesteld"),
    "wish.ministries": _l("Verantwoordelijke ministeries gewijzigd"),
    "wish.merge": _l("Samengevoegd met een ander knelpunt"),
    "wish.merge_target": _l("Ander knelpunt hierin samengevoegd"),
    "wish.unmerge": _l("Samenvoegen ongedaan gemaakt"),
    "wish.unmerge_target": _l("Samenvoegen van een ander knelpunt ongedaan gemaakt"),
    "wish.answer": _l("Antwoord van het ministerie"),
    "wish.export": _l("Knelpunten geëxporteerd"),
    "package.published": _l("Pakketversie gepubliceerd"),
    "package.closed": _l("Pakket gesloten"),
    "package.cover_letter": _l("Begeleidende brief gewijzigd"),
    "pilot.created": _l("Pilot aangemaakt"),
    "pilot.updated": _l("Pilot gewijzigd"),
    "pilot.phase": _l("Fase van de pilot gewijzigd"),
    "user.created": _l("Account aangemaakt"),
    "user.updated": _l("Account gewijzigd"),
    "auth.login": _l("Aangemeld"),
    "auth.login_failed": _l("Aanmelden mislukt"),
    "auth.logout": _l("Afgemeld"),
    "auth.mfa_failed": _l("Tweede stap mislukt"),
    "auth.password_changed": _l("Wachtwoord gewijzigd"),
    "mfa.enrolled": _l("Tweestapsverificatie ingesteld"),
    "mfa.disabled": _l("Tweestapsverificatie uitgezet"),
    "mfa.reset": _l("Tweestapsverificatie gewist door beheer"),
    "mfa.recovery_codes_renewed": _l("Herstelcodes vernieuwd"),
    "api.token_created": _l("API-sleutel gemaakt"),
    "api.token_revoked": _l("API-sleutel ingetrokken"),
    "api.subscription_created": _l("Abonnement op gebeurtenissen gemaakt"),
    "api.subscription_deleted": _l("Abonnement op gebeurtenissen opgezegd"),
    "access.denied": _l("Toegang geweigerd"),
}
# What an audit event is about (AuditEvent.object_type: the model's name in lower case).
OBJECT_LABELS = {
    "wish": _l("knelpunt"),
    "user": _l("account"),
    "pilot": _l("pilot"),
    "package": _l("pakket"),
    "packageversion": _l("pakketversie"),
    "apitoken": _l("API-sleutel"),
    "subscription": _l("abonnement"),
}
RESULT_LABELS = {"ok": _l("gelukt"), "denied": _l("geweigerd"), "not_found": _l("niet gevonden")}
# Every key an audit event's before/after may hold.
FIELD_LABELS = {
    "title": _l("titel"),
    "problem": _l("probleem"),
    "statute": _l("wet"),
    "statute_unknown": _l("wet onbekend"),
    "article": _l("artikel"),
    "paragraph": _l("lid"),
    "proposed_change": _l("gewenste wijziging"),
    "proposed_bwb_id": _l("voorgestelde regeling (BWB-id)"),
    "per": _l("per"),
    "contentType": _l("bestandstype"),
    "size": _l("grootte"),
    "shared": _l("gedeeld met pilots die aansluiten"),
    "statutes": _l("regelingen"),
    "successor": _l("opvolger"),
    "users": _l("gebruikers"),
    "benefit_who": _l("wie heeft er baat bij"),
    "benefit_cases_per_year": _l("gevallen per jaar"),
    "benefit_savings": _l("opbrengst"),
    "urgency": _l("urgentie"),
    "urgency_reason": _l("reden urgentie"),
    "relations": _l("samenhang"),
    "state": _l("status"),
    "state_reason": _l("reden"),
    "reason": _l("reden"),
    "ministries": _l("ministeries"),
    "ministry": _l("ministerie"),
    "merged_into": _l("samengevoegd in"),
    "merged_from": _l("samengevoegd uit"),
    "moved_supports": _l("verhuisde pilots"),
    "supports_moved": _l("verhuisde pilots"),
    "supports_back": _l("teruggezette pilots"),
    "support": _l("steun"),
    "pilot": _l("pilot"),
    "pilots": _l("pilots"),
    "note": _l("toelichting"),
    "file": _l("bestand"),
    "sha256": _l("SHA-256"),
    "status": _l("antwoord"),
    "effective_date": _l("datum van inwerkingtreding"),
    "link": _l("link"),
    "format": _l("formaat"),
    "filter": _l("filter"),
    "count": _l("aantal"),
    "package": _l("pakket"),
    "version": _l("versie"),
    "wishes": _l("knelpunten"),
    "length": _l("lengte in tekens"),
    "name": _l("naam"),
    "email": _l("e-mailadres"),
    "role": _l("rol"),
    "active": _l("actief"),
    "password_changed": _l("wachtwoord gewijzigd"),
    "mfa": _l("tweestapsverificatie"),
    "description": _l("beschrijving"),
    "phase": _l("fase"),
    "changed_on": _l("per datum"),
    "executing_organisation": _l("uitvoeringsorganisatie"),
    "municipalities": _l("gemeenten"),
    "members": _l("leden"),
    "expires": _l("geldig tot"),
    "url": _l("adres"),
    "types": _l("soorten gebeurtenissen"),
}
# Values stored as enum values, by the key they are stored under.
VALUE_ENUMS: dict[str, type[enum.Enum]] = {
    "state": WishState,
    "status": AnswerStatus,
    "urgency": Urgency,
    "role": Role,
    "phase": Phase,
}
SUPPORT_CHANGE_LABELS = {
    "add": _l("de pilot sluit zich aan"),
    "extend": _l("toelichting van de pilot aangevuld"),
    "none": _l("geen: dezelfde pilot"),
}


def audit_value(key: str, value: Any) -> str:
    """Return an audit value as a person reads it: labels, ja/nee, lists joined."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return str(_("ja") if value else _("nee"))
    if isinstance(value, dict):
        return "; ".join(f"{audit_value(k, v)}" for k, v in sorted(value.items()) if v)
    if isinstance(value, list | tuple):
        return ", ".join(audit_value(key, v) for v in value)
    text = str(value)
    if key == "relations" and ":" in text:
        kind, reference = text.split(":", 1)
        kinds = {k.value: k for k in RelationKind}
        if kind in kinds:
            return f"{relation_label(kinds[kind])} {reference}"
    if key == "support":
        return str(SUPPORT_CHANGE_LABELS.get(text, text))
    wanted = VALUE_ENUMS.get(key)
    if wanted is not None and text in wanted._value2member_map_:
        return label(wanted(text))
    return text


def relation_label(kind: object) -> str:
    """Return the label of a relation between wishes (hangt af van, volgt uit)."""
    return str(RELATION_LABELS.get(kind, kind))  # type: ignore[call-overload]


def timeline_action(action: str) -> str:
    """Return the label of an audit action (the timeline, the office's tables, the log)."""
    return str(ACTION_LABELS.get(action, action.split(".")[-1].replace("_", " ")))


def object_label(kind: str) -> str:
    """Return the label of the kind of object an audit event is about."""
    return str(OBJECT_LABELS.get(kind, kind))


def result_label(result: str) -> str:
    """Return the label of an audit event's result."""
    return str(RESULT_LABELS.get(result, result))


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
