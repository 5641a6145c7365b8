"""Errors people and machines can act on: a stable code for programs, a Chinese message for people."""

from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    """Base of every expected failure. `code` is stable; `message` is shown to people (Chinese)."""

    code = "hotline_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            **({"details": self.details} if self.details else {}),
        }


class InvalidInput(HotlineError):
    code = "invalid_input"
    http_status = 422


class NotFound(HotlineError):
    code = "not_found"
    http_status = 404


class IllegalTransition(HotlineError):
    code = "illegal_transition"
    http_status = 409


class Conflict(HotlineError):
    code = "conflict"
    http_status = 409
