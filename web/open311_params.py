"""What a GeoReport client sends, checked before anything is looked up or written.

POST requests arrive form-encoded as the spec says (multipart and JSON are accepted too); GET
filters arrive in the query string. Every problem becomes a GeoReportError with a Chinese message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from web.open311_format import GeoReportError

LOCAL = ZoneInfo("Asia/Shanghai")
MAX_DESCRIPTION_CHARS = 4000  # the spec's limit on `description`
MAX_FIELD_CHARS = 300
MAX_SPAN = timedelta(days=90)  # the spec: a query may not span more than 90 days ...
MAX_RESULTS = 1000  # ... nor return more than 1000 requests
STATUSES = ("open", "closed")
POST_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def bad_request(code: str, description: str) -> GeoReportError:
    return GeoReportError(400, code, description)


@dataclass(frozen=True)
class NewRequest:
    """A POSTed service request, cleaned; `api_key` is checked separately (before everything else)."""

    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # email, device_id, ... kept on the ticket


async def read_post_fields(request: web.Request) -> dict[str, str]:
    """Form or JSON body merged over the query string; unknown fields (e.g. attribute[..]) are dropped."""
    fields: dict[str, str] = {k: v for k, v in request.query.items() if k in POST_FIELDS}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("invalid_body", "请求体不是有效的 JSON") from None
        if not isinstance(body, dict):
            raise bad_request("invalid_body", "请求体须为 JSON 对象")
        items: Mapping[str, object] = body
    else:
        items = await request.post()
    for key in POST_FIELDS:
        value = items.get(key)
        if value is not None and not isinstance(value, dict | list | web.FileField):
            fields[key] = str(value)
    return {k: v.strip() for k, v in fields.items() if v.strip()}


def _coordinate(fields: Mapping[str, str], key: str, limit: float) -> float | None:
    raw = fields.get(key)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request("invalid_location", f"坐标 {key} 须为数字：{raw[:50]}") from None
    if not -limit <= value <= limit:  # also refuses nan and inf
        raise bad_request("invalid_location", f"坐标 {key} 超出范围：{raw[:50]}")
    return value


def _short(fields: Mapping[str, str], key: str) -> str | None:
    value = fields.get(key)
    if value is not None and len(value) > MAX_FIELD_CHARS:
        raise bad_request("field_too_long", f"字段 {key} 过长：最多 {MAX_FIELD_CHARS} 字")
    return value


def _name(first: str | None, last: str | None) -> str | None:
    """Chinese names are written family name first (last_name + first_name, no space)."""
    parts = [p for p in (first, last) if p]
    if not parts:
        return None
    if any(CJK.search(p) for p in parts):
        return f"{last or ''}{first or ''}"
    return " ".join(parts)


def parse_new_request(fields: Mapping[str, str]) -> NewRequest:
    """Checks in the order a client fixes them: what, where, then the citizen's own words."""
    service_code = fields.get("service_code")
    if not service_code:
        raise bad_request("service_code_required", "缺少 service_code（服务类型编码）")
    lat, long = _coordinate(fields, "lat", 90), _coordinate(fields, "long", 180)
    if (lat is None) != (long is None):
        raise bad_request("invalid_location", "lat 与 long 须同时提供")
    address_string, address_id = _short(fields, "address_string"), _short(fields, "address_id")
    if lat is None and address_string is None and address_id is None:
        raise bad_request("location_required", "须提供位置：lat 与 long，或 address_string，或 address_id")
    description = fields.get("description")
    if not description:
        raise bad_request("description_required", "缺少 description：请填写诉求内容")
    if len(description) > MAX_DESCRIPTION_CHARS:
        too_long = f"description 过长：{len(description)} 字，最多 {MAX_DESCRIPTION_CHARS} 字"
        raise bad_request("description_too_long", too_long)
    name = _name(_short(fields, "first_name"), _short(fields, "last_name"))
    extra = {
        key: value
        for key in ("email", "device_id", "account_id", "media_url", "address_id", "jurisdiction_id")
        if (value := _short(fields, key)) is not None
    }
    return NewRequest(
        service_code=service_code,
        description=description,
        lat=lat,
        long=long,
        address_string=address_string,
        address_id=address_id,
        contact_name=name,
        phone=_short(fields, "phone"),
        extra=extra,
    )


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: either explicit ids (which override every other filter) or a window and filters."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = MAX_RESULTS


def _moment(raw: str, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+") if "T" in raw else raw)
    except ValueError:
        raise bad_request("invalid_date", f"{key} 须为 ISO 8601 时间，如 2025-06-01T00:00:00+08:00") from None
    # A time without a zone is read as Beijing time, the zone of every person using the hotline.
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (raw or "").split(",") if p.strip()))


def _positive(query: Mapping[str, str], key: str, default: int, high: int) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        raise bad_request("invalid_parameter", f"参数 {key} 须为 1 到 {high} 之间的整数")
    return int(raw)


def _window(query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """The spec's default is the most recent 90 days; one given end extends 90 days from the other."""
    start = _moment(query["start_date"], "start_date") if query.get("start_date") else None
    end = _moment(query["end_date"], "end_date") if query.get("end_date") else None
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        start = end - MAX_SPAN  # type: ignore[operator]
    if end is None:
        end = min(start + MAX_SPAN, now) if start <= now else start + MAX_SPAN
    if start > end:
        raise bad_request("invalid_date_range", "start_date 不能晚于 end_date")
    if end - start > MAX_SPAN:
        raise bad_request("date_range_too_long", "查询时间跨度不能超过 90 天")
    return start, end


def parse_request_query(query: Mapping[str, str], now: datetime) -> RequestQuery:
    page = _positive(query, "page", 1, 1_000_000)
    page_size = _positive(query, "page_size", MAX_RESULTS, MAX_RESULTS)
    ids = _list(query.get("service_request_id"))
    if ids:
        return RequestQuery(ids=ids[:MAX_RESULTS], page=page, page_size=page_size)
    statuses = _list(query.get("status"))
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise bad_request("invalid_status", f"status 只能是 open 或 closed：{','.join(unknown)[:50]}")
    start, end = _window(query, now)
    return RequestQuery(
        service_codes=_list(query.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
        page=page,
        page_size=page_size,
    )
