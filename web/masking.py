"""Citizens' phone numbers as they leave the server: in full for call agents only, masked for
everyone else (DESIGN §11: "phone numbers masked outside the agent console").

This is the one place that decides it. Every answer that carries a citizen's number (ticket JSON,
lists, event payloads on the API and the WebSocket) goes through `phone_for` or `masked_payload`.
"""

from __future__ import annotations

from typing import Any

from dispatch.operators import Operator
from ticketing.vocabulary import Role

# Payload keys that hold a citizen's number (intake's `register` event, call events).
PHONE_KEYS = frozenset({"contact_phone", "caller", "phone", "caller_phone"})
MOBILE_DIGITS = 11


def _readable(number: str) -> str:
    """Chinese numbers as people write them (13800138000, 01012345678); others stay in E.164."""
    if number.startswith("+86"):
        national = number[3:]
        mobile = len(national) == MOBILE_DIGITS and national.startswith("1")
        return national if mobile else "0" + national
    return number


def mask_phone(number: str | None) -> str | None:
    """138****8000, 010****5678, +1650****0000: enough to recognise one's own number, not to call it.
    Short numbers keep only their last two digits."""
    if not number:
        return None
    readable = _readable(number.strip())
    if len(readable) >= 8:
        return readable[:-8] + "****" + readable[-4:]
    return "*" * max(len(readable) - 2, 1) + readable[-2:]


def sees_full_numbers(operator: Operator | None) -> bool:
    """Agents call citizens back and verify who is on the line; nobody else needs the whole number."""
    return operator is not None and operator.role == Role.AGENT.value


def phone_for(operator: Operator | None, number: str | None) -> str | None:
    return number if sees_full_numbers(operator) else mask_phone(number)


def masked_payload(payload: dict[str, Any] | None, operator: Operator | None) -> dict[str, Any]:
    """An event payload with every citizen number in it shown as `operator` may see it."""
    if not payload:
        return {}
    if sees_full_numbers(operator):
        return dict(payload)
    return {
        key: mask_phone(value) if key in PHONE_KEYS and isinstance(value, str) else value
        for key, value in payload.items()
    }
