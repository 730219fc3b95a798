"""The engine's one shape of error a person reads: a stable `code` for programs and tests, the
`values` its message names (so an edge can word it again, in any language), and the message."""

from __future__ import annotations

from typing import Any


class CodedError(ValueError):
    """A request the engine refuses: `code` says why, `values` with what; str() is the message."""

    def __init__(self, code: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.values = values
