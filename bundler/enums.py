"""Enumerations of the domain: roles, phases, states; plain Python, no framework."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    PILOT = "pilot"
    OFFICE = "office"
    MINISTRY = "ministry"
    ADMIN = "admin"


class Phase(enum.StrEnum):
    PILOT = "pilot"
    LIMITED_SCALE_UP = "beperkte_opschaling"
    STANDARD = "standaard"


class WishState(enum.StrEnum):
    CONCEPT = "concept"
    SUBMITTED = "ingediend"
    NEEDS_INFO = "aanvulling_nodig"
    IN_TRIAGE = "in_behandeling"
    ACCEPTED = "geaccepteerd"
    REJECTED = "afgewezen"
    MERGED = "samengevoegd"
    WITHDRAWN = "ingetrokken"
    OFFERED = "aangeboden"


class Urgency(enum.StrEnum):
    LOW = "laag"
    NORMAL = "normaal"
    HIGH = "hoog"


class RelationKind(enum.StrEnum):
    DEPENDS_ON = "hangt_af_van"
    FOLLOWS_FROM = "volgt_uit"


class AnswerStatus(enum.StrEnum):
    RECEIVED = "ontvangen"
    IN_PROGRESS = "in_behandeling"
    IN_LEGISLATION = "in_wetgevingstraject"
    REALISED = "gerealiseerd"
    DECLINED = "niet_overgenomen"
