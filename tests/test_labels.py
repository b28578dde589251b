"""Every audit event and every field it records has a Dutch label (and an English one)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bundler import accounts, labels, pilot_ops
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import Pilot, User, Wish
from bundler.office import ops as office_ops
from bundler.wishes import ops as wish_ops

ROOT = Path(__file__).resolve().parents[1] / "bundler"


def _recorded() -> tuple[set[str], set[str]]:
    """Read the source for the actions and the literal before/after keys of audit events."""
    actions: set[str] = set()
    keys: set[str] = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "record":
                    is_audit = isinstance(func.value, ast.Name) and func.value.id == "audit"
                    if is_audit and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                        actions.add(node.args[1].value)
                    for keyword in node.keywords if is_audit else []:
                        if keyword.arg in ("before", "after") and isinstance(
                            keyword.value, ast.Dict
                        ):
                            keys.update(
                                k.value for k in keyword.value.keys if isinstance(k, ast.Constant)
                            )
                for keyword in node.keywords:  # mfa_ops.disable(..., action="mfa.reset")
                    value = keyword.value
                    # ...but not TimelineEntry(action="answer")
                    is_action = keyword.arg == "action" and isinstance(value, ast.Constant)
                    if is_action and "." in str(value.value):
                        actions.add(value.value)
            elif isinstance(node, ast.FunctionDef):
                args = node.args
                for arg, default in zip(
                    args.kwonlyargs, args.kw_defaults, strict=True
                ):  # def disable(..., action="mfa.disabled")
                    if arg.arg == "action" and isinstance(default, ast.Constant) and default.value:
                        actions.add(default.value)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                # before["ministries"], after["ministries"] = ...; after["password_changed"] = True
                target = node.value
                named = isinstance(target, ast.Name) and target.id in ("before", "after")
                if named and isinstance(node.slice, ast.Constant):
                    keys.add(node.slice.value)
    return actions, keys


def test_every_audit_action_in_the_code_has_a_label() -> None:
    actions, keys = _recorded()
    assert "wish.created" in actions and "mfa.reset" in actions  # the scan finds them
    assert "merged_into" in keys and "password_changed" in keys
    assert sorted(actions - set(labels.ACTION_LABELS)) == []
    assert sorted(keys - set(labels.FIELD_LABELS)) == []


def test_every_snapshot_field_has_a_label(
    app: Flask,
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    pilot = make_pilot()
    user = make_user(Role.PILOT, pilots=[pilot])
    wish = make_wish(pilot)
    with session_scope(app) as session:
        fields = set(wish_ops.snapshot(session.get(Wish, wish.id)))
        fields |= set(office_ops.legal_snapshot(session.get(Wish, wish.id)))
        fields |= set(accounts.snapshot(session.get(User, user.id)))
        fields |= set(pilot_ops.snapshot(session.scalar(select(Pilot).limit(1))))
    fields |= set(office_ops.TEXT_FORM_FIELDS) | set(wish_ops.FREE_TEXT_FIELDS)
    assert sorted(fields - set(labels.FIELD_LABELS)) == []


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("state", "concept", "Concept"),
        ("status", "gerealiseerd", "Gerealiseerd"),
        ("status", "in_behandeling", "In behandeling"),
        ("urgency", "hoog", "Hoog"),
        ("statute_unknown", False, "nee"),
        ("relations", ["hangt_af_van:KN-2026-0001"], "Hangt af van KN-2026-0001"),
        ("ministries", ["JenV", "VWS"], "JenV, VWS"),
        ("merged_into", None, "–"),
        ("support", "add", "de pilot sluit zich aan"),
        ("benefit_cases_per_year", 170000, "170000"),
    ],
)
def test_audit_values_read_as_words(app: Flask, key: str, value: object, shown: str) -> None:
    with app.test_request_context():
        assert labels.audit_value(key, value) == shown


# Words that are the same in English.
SAME_IN_ENGLISH = {"account", "pilot", "pilots", "SHA-256", "link", "filter"}


def test_labels_have_english(app: Flask) -> None:
    from flask_babel import force_locale

    tables = (labels.ACTION_LABELS, labels.FIELD_LABELS, labels.OBJECT_LABELS)
    texts = [text for table in tables for text in table.values()]
    with app.test_request_context(), force_locale("nl"):
        dutch = [str(t) for t in texts]
    with app.test_request_context(), force_locale("en"):
        english = [str(t) for t in texts]
    same = {d for d, e in zip(dutch, english, strict=True) if d == e} - SAME_IN_ENGLISH
    assert sorted(same) == []
