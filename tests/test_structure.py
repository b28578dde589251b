"""The shape of the code: imports run one way, importing is free of side effects, rule errors
translate.

Layers, from the top: views -> operations -> models -> pure core. A view module handles
requests (it declares routes or role checks); the pure core holds the domain rules and imports
neither Flask nor SQLAlchemy; models are `bundler/models/`; every other module is an operation.
`bundler/__init__.py`, `cli.py`, `worker.py` and `errors.py` wire the layers together.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bundler"
CATALOG = PACKAGE / "translations/en/LC_MESSAGES/messages.po"

PURE = frozenset(
    {
        "bundler.answer_rules",
        "bundler.bounded",
        "bundler.charts",
        "bundler.cleaning",
        "bundler.enums",
        "bundler.follow_up",
        "bundler.grouping",
        "bundler.juriconnect",
        "bundler.lawlinks",
        "bundler.numbering",
        "bundler.office.filters",
        "bundler.package_content",
        "bundler.package_parts",
        "bundler.pagination",
        "bundler.responsibility",
        "bundler.rules",
        "bundler.statute_rules",
        "bundler.workflow",
    }
)
WIRING = frozenset({"bundler", "bundler.cli", "bundler.worker", "bundler.errors"})
FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_limiter", "werkzeug", "sqlalchemy")
MAX_MODULE_LINES = 550


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.parts:
            yield module_name(path, root), path


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Return what a module imports anywhere in it: bundler modules by name, others by top."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                )
                base = base.strip(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def layer(name: str, path: Path) -> str:
    if name in PURE:
        return "pure"
    if name in WIRING:
        return "wiring"
    if name.startswith("bundler.models"):
        return "model"
    source = path.read_text()
    if any(sign in source for sign in ("Blueprint(", "@role_required", "@login_required")):
        return "view"
    if name in ("bundler.web", "bundler.auth"):
        return "view"
    return "operation"


def layering_problems(root: Path) -> list[str]:
    """List every import that runs against the layers."""
    found = dict(modules(root))
    layers = {name: layer(name, path) for name, path in found.items()}
    problems = []
    for name, path in found.items():
        own = layers[name]
        for target in imports(path, name, set(found)):
            other = layers.get(target)
            if own == "pure" and (
                target.split(".")[0] in FRAMEWORKS or other not in (None, "pure")
            ):
                problems.append(f"pure {name} imports {target}")
            elif own == "model" and other in ("operation", "view"):
                problems.append(f"model {name} imports {other} {target}")
            elif own == "operation" and other == "view":
                problems.append(f"operation {name} imports view {target}")
    return problems


def test_imports_run_one_way():
    assert layering_problems(PACKAGE) == []


def test_the_layering_check_finds_each_kind_of_wrong_import(tmp_path):
    root = tmp_path / "bundler"
    (root / "models").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "workflow.py": "import flask\n",
        "models/__init__.py": "from bundler import wish_ops\n",
        "wish_ops.py": "from bundler.wishes_view import show\n",
        "wishes_view.py": "bp = Blueprint('w', __name__)\n",
    }
    for relative, text in files.items():
        (root / relative).write_text(text)
    assert layering_problems(root) == [
        "model bundler.models imports operation bundler.wish_ops",
        "operation bundler.wish_ops imports view bundler.wishes_view",
        "pure bundler.workflow imports flask",
    ]


def test_no_module_grows_into_a_god_module():
    too_long = {
        name: lines
        for name, path in modules(PACKAGE)
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


IMPORT_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import flask, sqlalchemy
    created, engines = [], []
    real_init = flask.Flask.__init__
    def spy_init(self, *args, **kwargs):
        created.append(args[0] if args else "?")
        real_init(self, *args, **kwargs)
    def no_engine(*args, **kwargs):
        engines.append(str(args[0]) if args else "?")
        raise RuntimeError("no database at import")
    flask.Flask.__init__ = spy_init
    sqlalchemy.create_engine = no_engine
    import sqlalchemy.engine
    sqlalchemy.engine.create_engine = no_engine
    import bundler
    names = sorted(
        m.name for m in pkgutil.walk_packages(bundler.__path__, "bundler.")
        if ".migrations" not in m.name and m.name != "bundler.worker"
    )
    for name in names:
        importlib.import_module(name)
    result = {"modules": len(names), "apps": len(created), "engines": list(engines)}
    try:
        importlib.import_module("bundler.worker")
    except RuntimeError:
        pass
    result["worker_apps"] = len(created) - result["apps"]
    print(json.dumps(result))
    """
)


def test_importing_a_module_builds_no_app_and_touches_no_database(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/never.sqlite"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["modules"] > 60
    assert (result["apps"], result["engines"]) == (0, [])
    # The worker entry module is the one that does build an app (and then asks for the database).
    assert result["worker_apps"] == 1
    assert not (tmp_path / "never.sqlite").exists()


def _rule_errors(path: Path) -> Iterator[tuple[int, ast.expr | None]]:
    """Yield (line, message argument) of every RuleError (or subclass) raised in a module."""
    for node in ast.walk(ast.parse(path.read_text())):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if called and node.func.id in ("RuleError", "TooLarge"):
            yield node.lineno, node.args[0] if node.args else None


def _lazy_text(argument: ast.expr | None) -> str | None:
    if (
        isinstance(argument, ast.Call)
        and isinstance(argument.func, ast.Name)
        and argument.func.id == "_l"
        and argument.args
        and isinstance(argument.args[0], ast.Constant)
    ):
        return str(argument.args[0].value)
    return None


def test_every_rule_error_carries_a_translated_lazy_message():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    problems, checked = [], 0
    for name, path in modules(PACKAGE):
        for line, argument in _rule_errors(path):
            if isinstance(argument, ast.Name | ast.Subscript | ast.Attribute):
                continue  # a message made elsewhere (a lazy string from `incomplete`, say)
            text = _lazy_text(argument)
            checked += 1
            if text is None:
                problems.append(f"{name}:{line}: the message is not a lazy_gettext string")
            elif text not in translated:
                problems.append(f"{name}:{line}: not in the English catalog: {text!r}")
    assert checked > 30
    assert problems == []


def test_a_rule_error_shows_in_the_readers_language(client, make_user, login):
    from bundler.enums import Role
    from tests.conftest import csrf_token, post_form

    login(make_user(Role.ADMIN))
    client.post("/taal", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    existing = make_user(Role.OFFICE)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "email": existing.email,
            "name": "Tweede",
            "role": "office",
            "password": "een lang genoeg wachtwoord",
            "active": "y",
        },
    )
    assert response.status_code == 400
    assert "There already is an account with this e-mail address." in response.text
