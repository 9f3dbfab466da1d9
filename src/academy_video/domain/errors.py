"""The base of every rule the domain refuses to break.

Each error carries a stable ``code``; driving adapters map codes to the HTTP contract's ``detail``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command the domain refuses; ``code`` is the contract's machine-readable reason."""

    code: str = "domain_error"

    def __init__(self, code: str | None = None, message: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(message or self.code)


class InvalidValue(DomainError):
    """A value outside what the domain accepts (e.g. max_speed out of range)."""

    code = "invalid_value"
