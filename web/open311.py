"""Open311 GeoReport v2 at `/open311/v2/`: services, service requests and tokens, in JSON and XML.

- Reads are public and need no key; only POST requests needs an `api_key` (`hotline open311 key`).
- A POST goes through the one intake flow (`ticketing.intake.submit`, channel `open311`) and is
  answered at once with the ticket number as `service_request_id`. Every service is `realtime`, so
  no client has to poll a token; `GET tokens/{token}` still answers for clients that do, and the
  token of a request is simply its ticket number.
- GeoReport v2 defines no idempotency key, so a client that retries a POST may create a second
  ticket; intake then flags it as a likely duplicate of the first.
- `jurisdiction_id` is accepted and ignored: this endpoint serves one jurisdiction.
- Errors are the spec's array (`[{"code": 400, "description": "…"}]`) in the requested format, with
  our stable `error_code` beside it, also for unknown paths and formats under `/open311/`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ticketing.api_keys import find_key, verify_key
from ticketing.db import Database
from ticketing.errors import HotlineError, InvalidInput
from ticketing.intake import submit
from ticketing.models import Ticket, utcnow
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor
from ticketing.vocabulary import Channel
from web.errors import HTTP_MESSAGES
from web.keys import DB_KEY
from web.open311_catalog import find_service, list_services, service_definition
from web.open311_format import GeoReportError, check_format, error_response, render
from web.open311_params import LOCAL, NewRequest, parse_new_request, parse_request_query, read_post_fields
from web.open311_requests import find_ticket, find_tickets, service_requests

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.Response]]

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 11, 23, tzinfo=UTC)  # when this API last changed (discovery's changeset)


def _fmt(request: web.Request) -> str:
    return check_format(request.match_info.get("fmt", ""))


def _hotline_error(error: HotlineError) -> GeoReportError:
    # The spec answers bad input with 400 where our JSON API uses 422.
    status = 400 if isinstance(error, InvalidInput) else error.http_status
    return GeoReportError(status, error.code, error.message)


def _answering_errors(handler: Handler) -> Handler:
    """Every failure as a GeoReport error array in the requested format (JSON when that is unknown)."""

    async def wrapped(request: web.Request) -> web.Response:
        fmt = request.match_info.get("fmt", "json")
        try:
            return await handler(request)
        except GeoReportError as error:
            return error_response(fmt, error)
        except HotlineError as error:
            return error_response(fmt, _hotline_error(error))
        except web.HTTPException as error:  # e.g. 413 from reading an oversized body
            if error.status < 400:
                raise
            code, message = HTTP_MESSAGES.get(error.status, ("http_error", error.reason))
            return error_response(fmt, GeoReportError(error.status, code, message))
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(fmt, GeoReportError(500, "internal_error", "服务器内部错误，请稍后重试"))

    return wrapped


def _methods(handlers: dict[str, Handler]) -> Handler:
    """One resource answers every method itself, so a wrong one gets a GeoReport 405, not our JSON."""
    if "GET" in handlers:
        handlers = {**handlers, "HEAD": handlers["GET"]}

    async def dispatch(request: web.Request) -> web.Response:
        handler = handlers.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(handlers))
            error = GeoReportError(405, "method_not_allowed", f"不支持该请求方法：{request.method}")
            response = error_response(request.match_info.get("fmt", "json"), error)
            response.headers["Allow"] = allowed
            return response
        return await handler(request)

    return _answering_errors(dispatch)


async def discovery(request: web.Request) -> web.Response:
    fmt = _fmt(request)
    base = f"{request.url.origin()}{PREFIX}"
    body = {
        "changeset": CHANGESET.isoformat(),
        "contact": "12345 政务服务便民热线平台",
        "key_service": "提交诉求所需的 API 密钥由热线平台管理员签发（hotline open311 key create 名称）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET.isoformat(),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", None, body)


async def services(request: web.Request) -> web.Response:
    fmt = _fmt(request)
    db = request.app[DB_KEY]

    def load() -> list[dict[str, Any]]:
        with db.read_session() as session:
            return list_services(session)

    return render(fmt, "services", "service", await asyncio.to_thread(load))


async def service(request: web.Request) -> web.Response:
    fmt, code = _fmt(request), request.match_info["code"]
    db = request.app[DB_KEY]

    def load() -> dict[str, Any] | None:
        with db.read_session() as session:
            return find_service(session, code)

    if await asyncio.to_thread(load) is None:
        raise GeoReportError(404, "service_not_found", f"服务类型不存在：{code[:50]}")
    return render(fmt, "service_definition", None, service_definition(code))


def _check_key(db: Database, api_key: str | None) -> str:
    """The key's name, for the ticket's record of who sent it; 401 without a key, 403 for a bad one."""
    if not api_key:
        raise GeoReportError(401, "api_key_required", "缺少 api_key：提交诉求须使用平台签发的 API 密钥")
    with db.session() as session:
        row = verify_key(session, api_key)
        if row is not None:
            return row.name
        if find_key(session, api_key) is not None:
            raise GeoReportError(403, "api_key_revoked", "API 密钥已被吊销，请联系热线平台重新申请")
    raise GeoReportError(403, "invalid_api_key", "API 密钥无效")


def _submission(new: NewRequest, client: str) -> Submission:
    address = new.address_string or (f"地址编号：{new.address_id}" if new.address_id else None)
    return Submission(
        channel=Channel.OPEN311.value,
        content=new.description,
        category_code=new.service_code,
        contact_phone=new.phone,
        contact_name=new.contact_name,
        address=address,
        latitude=new.lat,
        longitude=new.long,
        extra={"open311": {**new.extra, "client": client}},
    )


def _notice(number: str, expected: str | None) -> str:
    notice = f"您的诉求已受理，工单编号 {number}，可凭此编号查询办理进度。"
    if expected:
        due = datetime.fromisoformat(expected).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
        notice += f"预计 {due} 前答复。"
    return notice


async def create_request(request: web.Request) -> web.Response:
    fmt = _fmt(request)
    fields = await read_post_fields(request)
    db = request.app[DB_KEY]
    client = await asyncio.to_thread(_check_key, db, fields.get("api_key"))
    new = parse_new_request(fields)

    def known() -> bool:
        with db.read_session() as session:
            return find_service(session, new.service_code) is not None

    if not await asyncio.to_thread(known):
        raise GeoReportError(400, "unknown_service_code", f"服务类型不存在：{new.service_code[:50]}")
    result = await asyncio.to_thread(submit, db, _submission(new, client), actor=Actor(f"open311:{client}"))

    def expected() -> str | None:
        with db.read_session() as session:
            ticket = session.get(Ticket, result.ticket_id)
            return service_requests(session, [ticket])[0]["expected_datetime"] if ticket else None

    notice = _notice(result.number, await asyncio.to_thread(expected))
    body = [{"service_request_id": result.number, "service_notice": notice, "account_id": None}]
    return render(fmt, "service_requests", "request", body, status=201)


async def list_requests(request: web.Request) -> web.Response:
    fmt = _fmt(request)
    query = parse_request_query(request.query, utcnow())
    db = request.app[DB_KEY]

    def load() -> list[dict[str, Any]]:
        with db.read_session() as session:
            return service_requests(session, find_tickets(session, query))

    return render(fmt, "service_requests", "request", await asyncio.to_thread(load))


async def get_request(request: web.Request) -> web.Response:
    fmt, number = _fmt(request), request.match_info["sid"]
    db = request.app[DB_KEY]

    def load() -> list[dict[str, Any]]:
        with db.read_session() as session:
            ticket = find_ticket(session, number)
            return service_requests(session, [ticket]) if ticket else []

    records = await asyncio.to_thread(load)
    if not records:
        raise GeoReportError(404, "request_not_found", f"诉求不存在：{number[:50]}")
    return render(fmt, "service_requests", "request", records)


async def get_token(request: web.Request) -> web.Response:
    """Tokens are ticket numbers of requests POSTed here (we never defer creating a ticket)."""
    fmt, token = _fmt(request), request.match_info["token"]
    db = request.app[DB_KEY]

    def load() -> str | None:
        with db.read_session() as session:
            ticket = find_ticket(session, token, channel=Channel.OPEN311.value)
            return ticket.number if ticket else None

    number = await asyncio.to_thread(load)
    if number is None:
        raise GeoReportError(404, "token_not_found", f"令牌不存在：{token[:50]}")
    return render(fmt, "service_requests", "request", [{"service_request_id": number, "token": token}])


async def unknown_path(request: web.Request) -> web.Response:
    error = GeoReportError(404, "not_found", "接口不存在（GeoReport v2 接口位于 /open311/v2/）")
    return error_response("xml" if request.path.endswith(".xml") else "json", error)


ROUTES: list[tuple[str, dict[str, Handler]]] = [
    ("/open311/discovery.{fmt}", {"GET": discovery}),
    (PREFIX + "/discovery.{fmt}", {"GET": discovery}),
    (PREFIX + "/services.{fmt}", {"GET": services}),
    (PREFIX + "/services/{code:[^/]+}.{fmt}", {"GET": service}),
    (PREFIX + "/requests.{fmt}", {"GET": list_requests, "POST": create_request}),
    (PREFIX + "/requests/{sid:[^/]+}.{fmt}", {"GET": get_request}),
    (PREFIX + "/tokens/{token:[^/]+}.{fmt}", {"GET": get_token}),
]


def add_routes(app: web.Application) -> None:
    for path, handlers in ROUTES:
        app.router.add_route("*", path, _methods(handlers))
    # Last: anything else under /open311/ is a GeoReport 404, not the JSON API's error shape.
    app.router.add_route("*", "/open311/{tail:.*}", _answering_errors(unknown_path))
