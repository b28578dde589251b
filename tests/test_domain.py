"""Pure domain rules, without an app: workflow, JuriConnect links, numbering."""

from __future__ import annotations

import datetime as dt

import pytest

from bundler import juriconnect, numbering, workflow
from bundler.enums import Role, WishState

S = WishState


@pytest.mark.parametrize(
    ("current", "target", "role", "allowed"),
    [
        (S.CONCEPT, S.SUBMITTED, Role.PILOT, True),
        (S.CONCEPT, S.SUBMITTED, Role.OFFICE, False),
        (S.SUBMITTED, S.ACCEPTED, Role.OFFICE, True),
        (S.SUBMITTED, S.ACCEPTED, Role.PILOT, False),
        (S.ACCEPTED, S.OFFERED, Role.OFFICE, True),
        (S.MERGED, S.ACCEPTED, Role.OFFICE, False),
        (S.WITHDRAWN, S.SUBMITTED, Role.PILOT, False),
        (S.SUBMITTED, S.REJECTED, Role.MINISTRY, False),
    ],
)
def test_transitions(current, target, role, allowed):
    assert workflow.can_move(current, target, role) is allowed


def test_reasons_required_where_domain_asks():
    assert workflow.needs_reason(S.REJECTED)
    assert workflow.needs_reason(S.WITHDRAWN)
    assert workflow.needs_reason(S.NEEDS_INFO)
    assert not workflow.needs_reason(S.ACCEPTED)


def test_targets_in_order():
    assert workflow.targets(S.SUBMITTED, Role.OFFICE) == [
        S.IN_TRIAGE,
        S.NEEDS_INFO,
        S.ACCEPTED,
        S.REJECTED,
    ]
    assert workflow.targets(S.CONCEPT, Role.PILOT) == [S.SUBMITTED, S.WITHDRAWN]


def test_juriconnect_link_from_structured_reference():
    assert (
        juriconnect.link("BWBR0002656", "19h", "2")
        == "https://wetten.overheid.nl/jci1.3:c:BWBR0002656&artikel=19h&lid=2"
    )
    assert juriconnect.link("BWBR0005416") == "https://wetten.overheid.nl/jci1.3:c:BWBR0005416"
    assert juriconnect.link("BWBR0005416", "1", seen_on=dt.date(2026, 7, 1)).endswith(
        "&z=2026-07-01"
    )
    assert (
        juriconnect.link("BWBR0005416", "", "2")
        == "https://wetten.overheid.nl/jci1.3:c:BWBR0005416"
    )


@pytest.mark.parametrize("bad", ["BWBR123", "bwbr0002656", "BWBR0002656&x=1", ""])
def test_juriconnect_refuses_bad_ids(bad):
    with pytest.raises(ValueError, match="not a BWB id"):
        juriconnect.link(bad)


@pytest.mark.parametrize(
    ("article", "ok"),
    [
        ("19h", True),
        ("1:3", True),
        ("7.4.0", True),
        ("2a", True),
        ("10bis", True),
        ("", False),
        ("19 h", False),
        ("art. 5", False),
        ("1&lid=2", False),
        ("x" * 50, False),
    ],
)
def test_article_numbers(article, ok):
    assert juriconnect.is_article(article) is ok


def test_wish_reference_numbering():
    assert numbering.wish_reference(2026, 42) == "KN-2026-0042"
    assert numbering.parse_wish_reference("KN-2026-0042") == (2026, 42)
    assert numbering.parse_wish_reference("XX-1") is None
    existing = ["KN-2026-0001", "KN-2026-0009", "KN-2025-0100", "rommel"]
    assert numbering.next_wish_sequence(existing, 2026) == 10
    assert numbering.next_wish_sequence(existing, 2027) == 1


def test_package_numbering():
    assert numbering.package_number("BZK", 2026, 3) == "BZK-2026-03"
    assert numbering.parse_package_number("IenW-2026-12") == ("IenW", 2026, 12)


def test_labels_do_not_mix_enums_with_equal_values():
    from bundler.enums import Phase
    from bundler.labels import label

    assert label(Role.PILOT) == "Pilotteamlid"
    assert label(Phase.PILOT) == "Pilot"
    assert label(WishState.IN_TRIAGE) == "In behandeling"
    assert label("gewone tekst") == "gewone tekst"
    assert label("geaccepteerd") == "Geaccepteerd"
