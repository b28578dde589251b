"""The two errors operations raise: a rule that refuses a change, and a stale edit.

Operations raise `RuleError` with a lazy translatable message (`lazy_gettext`), so the
message is extracted into the catalog and shown in the reader's language. Views put it next
to the field it names with `BaseForm.add_rule_error`. `StaleEdit` means the object changed
since the form was loaded; views answer it with 409 and keep what the user typed.
"""

from __future__ import annotations

from typing import Any


class RuleError(Exception):
    """A change a rule of the domain does not allow; `field` names the form field it is about."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message  # a lazy string: translated when shown, not when raised
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class StaleEdit(Exception):
    """The object changed since the form was loaded (its version moved on)."""

    def __init__(self, obj: Any = None, expected: int | None = None) -> None:
        super().__init__("stale edit")
        self.obj = obj
        self.expected = expected
