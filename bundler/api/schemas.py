"""The API's request and response shapes (pydantic): the code validates with these, and the
OpenAPI document is generated from them. Fields are camelCase on the wire (NL API Design Rules).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)
from pydantic.alias_generators import to_camel

from bundler.enums import AnswerStatus, WishState

EVENT_TYPES = (
    "nl.bundler.package.version-published",
    "nl.bundler.wish.state-changed",
    "nl.bundler.wish.answered",
    "nl.bundler.wish.merged",
)
EventType = Literal[
    "nl.bundler.package.version-published",
    "nl.bundler.wish.state-changed",
    "nl.bundler.wish.answered",
    "nl.bundler.wish.merged",
]
# Query values: printable text without control characters, bounded.
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")]


class Camel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
    )


class Link(BaseModel):
    href: str


class Links(BaseModel):
    """HAL links of a resource or a page (ADR: `_links` with self, next, prev)."""

    model_config = ConfigDict(extra="forbid")

    self: Link
    next: Link | None = None
    prev: Link | None = None
    pdf: Link | None = None
    json_: Link | None = Field(None, alias="json")
    answers: Link | None = None
    deliveries: Link | None = None

    @model_serializer(mode="wrap")
    def _present_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A link that does not apply (no next page) is left out, not sent as null.
        return {k: v for k, v in handler(self).items() if v is not None}


class Resource(Camel):
    links: Links = Field(alias="_links")


# -- problems (RFC 9457) ----------------------------------------------------------------------


class InvalidParam(Camel):
    name: str
    code: str
    reason: str


class Problem(Camel):
    """An error: application/problem+json, with the invalid fields on 400."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = None


# -- reference data ---------------------------------------------------------------------------


class Ministry(Camel):
    code: str
    name: str
    official_name: str
    tooi: str = Field(description="TOOI URI of the ministry")
    valid_from: dt.date | None
    valid_until: dt.date | None
    successor: str | None = Field(description="Code of the successor ministry")


class Statute(Camel):
    bwb_id: str
    title: str
    short_title: str
    ministries: list[str]


class Municipality(Camel):
    cbs_code: str
    name: str
    province: str
    tooi: str
    active: bool


class MinistryList(Camel):
    ministries: list[Ministry]


class StatuteList(Camel):
    statutes: list[Statute]


class MunicipalityList(Camel):
    municipalities: list[Municipality]


# -- wishes and answers -----------------------------------------------------------------------


class PilotRef(Camel):
    id: int
    name: str


class Answer(Camel):
    ministry: str
    status: AnswerStatus
    link: str
    effective_date: dt.date | None
    reasons: str
    answered_at: AwareDatetime


class AnswerList(Resource):
    answers: list[Answer]


class Wish(Resource):
    reference: str
    title: str
    state: WishState
    state_reason: str
    problem: str
    proposed_change: str
    statute: str | None = Field(description="BWB id of the statute")
    article: str
    paragraph: str
    legal_link: str = Field(description="JuriConnect link to wetten.overheid.nl")
    ministries: list[str]
    pilot: PilotRef
    supporting_pilots: list[PilotRef]
    merged_into: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None


class WishPage(Resource):
    wishes: list[Wish]


class WishQuery(Camel):
    ministry: Code | None = None
    statute: Annotated[str, StringConstraints(pattern=r"^BWBR[0-9]{7}$")] | None = None
    state: WishState | None = None
    pilot: int | None = Field(None, ge=1, le=2**31 - 1)
    municipality: Annotated[str, StringConstraints(pattern=r"^GM[0-9]{4}$")] | None = None
    changed_since: AwareDatetime | None = Field(
        None, description="Only wishes changed at or after this moment (ISO 8601 with zone)"
    )
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class AnswerIn(Camel):
    """A ministry's answer; what a status needs follows the web form (bundler.answer_rules)."""

    status: AnswerStatus
    link: Annotated[str, StringConstraints(max_length=500)] = ""
    effective_date: dt.date | None = None
    reasons: Annotated[str, StringConstraints(max_length=5000)] = ""


# -- packages ---------------------------------------------------------------------------------


class Version(Resource):
    number: int
    created_at: AwareDatetime
    wish_count: int
    page_count: int
    size: int
    sha256: str
    json_sha256: str
    ministry: str = Field(description="Code of the ministry as it was when this version was made")
    ministry_name: str
    changes: dict[str, list[list[str]]]
    wishes: list[str] | None = Field(None, description="References of the wishes, in order")


class Package(Resource):
    number: str
    ministry: str
    created_at: AwareDatetime
    closed_at: AwareDatetime | None
    versions: list[Version]


class PackagePage(Resource):
    packages: list[Package]


class PageQuery(Camel):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


# -- subscriptions ----------------------------------------------------------------------------


class SubscriptionIn(Camel):
    callback_url: Annotated[
        str, StringConstraints(min_length=9, max_length=500, pattern=r"^https?://[^\s/]+")
    ] = Field(description="https URL; private and internal addresses are refused")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES))


class Subscription(Resource):
    id: int
    callback_url: str
    event_types: list[str]
    created_at: AwareDatetime
    secret: str | None = Field(
        None, description="The signing secret; only in the answer that creates the subscription"
    )


class SubscriptionList(Resource):
    subscriptions: list[Subscription]


class Attempt(Camel):
    at: AwareDatetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Camel):
    event_id: str
    type: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: AwareDatetime | None
    delivered_at: AwareDatetime | None
    attempt_log: list[Attempt]


class DeliveryPage(Resource):
    deliveries: list[DeliveryOut]
