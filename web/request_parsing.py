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


def path_int(request: web.Request, name: str, message: str, code: str) -> int:
    """A malformed id is a row that does not exist, like any other unknown id."""
    try:
        value = int(request.match_info[name])
    except ValueError:
        raise NotFound(message, code=code) from None
    if not 0 < value < 2**31:  # no such row, and larger numbers overflow the databases' integers
        raise NotFound(message, code=code)
    return value


def ticket_id_of(request: web.Request) -> int:
    return path_int(request, "ticket_id", "工单不存在", "ticket_not_found")


def query_int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"参数 {name} 须为整数", code="invalid_parameter", parameter=name) from None
    if not lo <= value <= hi:
        raise InvalidInput(f"参数 {name} 须在 {lo} 到 {hi} 之间", code="invalid_parameter", parameter=name)
    return value
