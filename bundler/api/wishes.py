"""Wishes for authorised callers, and a ministry's answers (read; create or replace)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError

from bundler.answer_rules import answer_problems
from bundler.api import queries, represent
from bundler.api import schemas as s
from bundler.api.web import (
    ApiBadRequest,
    current_principal,
    current_token,
    page_links,
    responses,
    token_required,
    validated,
)
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Answer, Wish
from bundler.packages.answers import latest_answer, offered_to, record_answer
from forms.answer import MESSAGES

TAGS = ["Knelpunten"]
READERS = (Role.MINISTRY, Role.PILOT, Role.OFFICE)


@token_required(*READERS)
@validated(query=s.WishQuery, resp=responses(HTTP_200=s.WishPage), tags=TAGS)
def index(query: s.WishQuery) -> s.WishPage:
    """List the wishes this token may see, newest first, filtered."""
    session = get_session()
    where = queries.wish_conditions(
        session,
        current_principal(),
        ministry=query.ministry,
        statute=query.statute,
        state=query.state,
        pilot=query.pilot,
        municipality=query.municipality,
        changed_since=query.changed_since,
    )
    rows, more = queries.wish_page(session, where, page=query.page, size=query.page_size)
    filters = query.model_dump(by_alias=True, exclude={"page"}, exclude_defaults=True, mode="json")
    return s.WishPage(
        _links=s.Links.model_validate(page_links("/wishes", query.page, more, **filters)),
        wishes=[represent.wish(w) for w in rows],
    )


def _wish(reference: str) -> Wish:
    found = queries.visible_wish(get_session(), current_principal(), reference)
    if found is None:
        abort(404)
    return found


@token_required(*READERS)
@validated(resp=responses(HTTP_200=s.Wish), tags=TAGS)
def show(reference: str) -> s.Wish:
    """Show one wish, by its reference (KN-2026-0042)."""
    return represent.wish(queries.WishRow.of(_wish(reference)))


def _visible_answers(wish: Wish) -> list[Answer]:
    token = current_token()
    own = [
        a
        for a in wish.answers
        if token.role is not Role.MINISTRY or a.ministry_id == token.ministry_id
    ]
    return sorted(own, key=lambda a: (a.answered_at, a.id), reverse=True)


@token_required(*READERS)
@validated(resp=responses(HTTP_200=s.AnswerList), tags=TAGS)
def answers(reference: str) -> s.AnswerList:
    """List the answers on a wish, newest first (a ministry token: its own ministry's)."""
    wish = _wish(reference)
    links = page_links(f"/wishes/{wish.reference}/answers", 1, False)
    return s.AnswerList(
        _links=s.Links.model_validate(links),
        answers=[represent.answer(a) for a in _visible_answers(wish)],
    )


def _same(answer: Answer | None, data: s.AnswerIn) -> bool:
    return answer is not None and (
        answer.status,
        answer.link,
        answer.effective_date,
        answer.reasons,
    ) == (data.status, data.link.strip(), data.effective_date, data.reasons.strip())


@token_required(Role.MINISTRY)
@validated(json=s.AnswerIn, resp=responses(HTTP_200=s.Answer, HTTP_201=s.Answer), tags=TAGS)
def put_answer(reference: str, json: s.AnswerIn) -> Any:
    """Record this ministry's answer on a wish offered to it (the newest answer counts).

    The same checks as the web form: in_wetgevingstraject needs an https link, gerealiseerd
    the date of effect, niet_overgenomen the reasons. Sending the current answer again
    changes nothing (200); If-Match with the answer's ETag guards against a colleague's
    answer meanwhile (412).
    """
    db, token = get_session(), current_token()
    wish = _wish(reference)
    ministry = token.ministry
    if ministry is None or not offered_to(db, wish.id, ministry.id):
        abort(404)
    problems = answer_problems(json.status, json.link, json.effective_date, json.reasons)
    if problems:
        raise ApiBadRequest(
            [
                {"name": to_camel(field), "code": code, "reason": str(MESSAGES[code])}
                for field, code in problems.items()
            ]
        )
    newest = latest_answer(wish, ministry.id)
    expected = request.headers.get("If-Match")
    if expected is not None and expected.strip() != _etag(newest):
        abort(412)
    if _same(newest, json):
        assert newest is not None
        return represent.answer(newest), 200, {"ETag": _etag(newest)}
    try:
        answer = record_answer(
            db,
            wish,
            ministry,
            status=json.status,
            link=json.link,
            effective_date=json.effective_date,
            reasons=json.reasons,
            actor=None,
        )
        db.commit()
    except IntegrityError:
        # Another answer of this ministry was recorded at the same moment (issue 10).
        db.rollback()
        abort(409)
    status = 201 if newest is None else 200
    return represent.answer(answer), status, {"ETag": _etag(answer)}


def _etag(answer: Answer | None) -> str:
    return f'"answer-{answer.id if answer else 0}"'
