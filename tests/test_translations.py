"""The English catalog: every Dutch text translated, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).parent.parent / "bundler/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_message_is_translated_with_the_same_placeholders():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (wanted - {"%(num)d", "%(num)s"}) - set(
                PLACEHOLDER.findall(text)
            ):
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_the_catalog_holds_the_texts_of_the_macro_templates():
    """pybabel skips `_` folders unless told not to; the form and wish macros need English too."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    sources = {path for message in catalog for path, _line in message.locations}
    assert "templates/_macros/forms.html" in sources
    assert "templates/_macros/wish.html" in sources
