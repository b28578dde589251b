"""Public reference data: ministries (TOOI, validity), statutes (BWB), municipalities (CBS)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bundler.api import represent
from bundler.api import schemas as s
from bundler.api.web import responses, validated
from bundler.db import get_session
from bundler.models import Ministry, Municipality, Statute

TAGS = ["Referentiegegevens"]


@validated(resp=responses(HTTP_200=s.MinistryList), tags=TAGS)
def ministries() -> s.MinistryList:
    """List the ministries, current and historic, with TOOI URIs and validity dates."""
    rows = get_session().scalars(
        select(Ministry).options(selectinload(Ministry.successor)).order_by(Ministry.code)
    )
    return s.MinistryList(ministries=[represent.ministry(m) for m in rows])


@validated(resp=responses(HTTP_200=s.StatuteList), tags=TAGS)
def statutes() -> s.StatuteList:
    """List the statutes with their BWB ids and responsible ministries."""
    rows = get_session().scalars(
        select(Statute).options(selectinload(Statute.ministries)).order_by(Statute.bwb_id)
    )
    return s.StatuteList(statutes=[represent.statute(x) for x in rows])


@validated(resp=responses(HTTP_200=s.MunicipalityList), tags=TAGS)
def municipalities() -> s.MunicipalityList:
    """List the municipalities with their CBS codes and TOOI URIs."""
    rows = get_session().scalars(select(Municipality).order_by(Municipality.cbs_code))
    return s.MunicipalityList(municipalities=[represent.municipality(m) for m in rows])
