"""Helpers for the package tests: a small story of wishes for JenV and BZK, builds, answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import AnswerStatus, WishState
from bundler.models import Ministry, PackageVersion, Pilot, User, Wish, WishSupport
from bundler.packages import answers
from bundler.packages import build as build_ops

BW1 = "BWBR0002656"  # Burgerlijk Wetboek Boek 1: JenV
GEMEENTEWET = "BWBR0005416"  # BZK
JEUGDWET = "BWBR0034925"  # VWS and JenV


@dataclass
class Story:
    raising: Pilot
    supporters: list[Pilot]
    death: Wish  # raised by one pilot, supported by two others, JenV
    birth: Wish  # JenV, another article
    bzk: Wish  # another ministry's wish


def make_story(
    make_pilot: Callable[..., Pilot], make_wish: Callable[..., Wish], app: Flask
) -> Story:
    """Create three pilots and accepted wishes: two for JenV (one supported by two), one BZK."""
    raising = make_pilot("Digitale aangifte overlijden")
    supporters = [make_pilot("Geboorteaangifte zonder loket"), make_pilot("Trouwen digitaal")]
    death = make_wish(
        raising,
        state=WishState.ACCEPTED,
        statute=BW1,
        article="19h",
        paragraph="2",
        title="Uitvaartondernemer kan overlijden niet digitaal aangeven",
        proposed_change="Sta digitale aangifte door de uitvaartondernemer toe.",
    )
    birth = make_wish(
        supporters[0],
        state=WishState.ACCEPTED,
        statute=BW1,
        article="19e",
        title="Geboorteaangifte alleen aan het loket",
    )
    bzk = make_wish(
        raising, state=WishState.ACCEPTED, statute=GEMEENTEWET, article="2", title="BZK-knelpunt"
    )
    with session_scope(app) as session:
        for pilot, note in zip(supporters, ["Ook bij geboorte.", "Ook bij huwelijk."], strict=True):
            session.add(WishSupport(wish_id=death.id, pilot_id=pilot.id, note=note))
    return Story(raising, supporters, death, birth, bzk)


def build(
    app: Flask, code: str, *, actor_id: int | None = None, **options: Any
) -> PackageVersion | None:
    """Build and publish a ministry's package in this process; return the new version."""
    options.setdefault("renderer", build_ops.render_in_process)
    with app.app_context(), session_scope(app) as session:
        ministry = session.scalar(select(Ministry).where(Ministry.code == code))
        assert ministry is not None
        actor = session.get(User, actor_id) if actor_id else None
        version = build_ops.build_package(session, ministry, actor=actor, **options)
        if version is not None:
            _ = version.package.number, version.entries
            session.flush()
            session.expunge_all()
        return version


def answer(
    app: Flask,
    wish_id: int,
    code: str,
    status: AnswerStatus,
    *,
    effective_date: dt.date | None = None,
    link: str = "",
    reasons: str = "",
) -> None:
    """Record a ministry's answer directly."""
    with app.app_context(), session_scope(app) as session:
        ministry = session.scalar(select(Ministry).where(Ministry.code == code))
        wish = session.get(Wish, wish_id)
        assert ministry is not None and wish is not None
        answers.record_answer(
            session,
            wish,
            ministry,
            status=status,
            effective_date=effective_date,
            link=link,
            reasons=reasons,
            actor=None,
        )
