"""Every failure answers as JSON with a stable code and a Chinese message; nothing leaks a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ticketing.errors import HotlineError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
}


def error_response(status: int, code: str, message: str, **details: object) -> web.Response:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details  # type: ignore[index]
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HotlineError as error:
        response = error_response(error.http_status, error.code, error.message, **error.details)
        if error.http_status == 429 and isinstance(error.details.get("retry_after"), int):
            response.headers["Retry-After"] = str(error.details["retry_after"])
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code, message = HTTP_MESSAGES.get(error.status, ("http_error", error.reason))
        return error_response(error.status, code, message)
    except HttpProcessingError as error:  # a malformed body read by the handler (e.g. multipart headers)
        code, message = HTTP_MESSAGES[400]
        return error_response(400, code, message, reason=error.message)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "服务器内部错误，请稍后重试")
