"""Reading what every JSON endpoint reads: the body as a JSON object, and the ticket id in the path."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ticketing.errors import InvalidInput, NotFound


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("请求体须为 JSON 对象", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("请求体须为 JSON 对象", code="invalid_json")
    return body


def ticket_id_of(request: web.Request) -> int:
    """A malformed id is a ticket that does not exist, like any other unknown id."""
    try:
        return int(request.match_info["ticket_id"])
    except ValueError:
        raise NotFound("工单不存在", code="ticket_not_found") from None
