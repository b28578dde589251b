"""Text people type, cleaned of what no person means to type: pure functions, no Flask.

Bidirectional override and isolate controls (U+202A–U+202E, U+2066–U+2069) make a title, a
name or a file name display in another order than it is stored ("fdp.exe" shown as
"exe.pdf"), in the pages and in the PDF package; nobody types them on purpose.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
)
_DROP = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi(text: str) -> str:
    """Remove bidirectional override and isolate controls from a text."""
    return text.translate(_DROP)
