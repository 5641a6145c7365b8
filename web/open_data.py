"""Open data (政务公开): `GET /api/public/open-data.json` and `.csv` — every ticket closed in a month
(`?month=YYYY-MM`, default this month), anonymised exactly as the public list: category, district,
dates, the published reply and the public timeline. No names, phone numbers, addresses or request
text; confidential tickets never.

Streamed in keyset-paged batches, each read in its own short transaction, so a month of a big city
never sits in memory.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from dispatch.assessment_period import Period, current_month, month_period
from ticketing.db import Database
from ticketing.models import utcnow
from web.keys import DB_KEY
from web.public_view import open_data_batch
from web.ticket_export import csv_cell

BATCH = 1000
CSV_HEADERS = ("工单编号", "诉求类型", "诉求分类", "区县", "受理时间", "办结时间", "答复内容", "办理过程")


def _period(request: web.Request) -> Period:
    return month_period(request.query.get("month") or current_month(utcnow()))


def _batches(db: Database, period: Period) -> Iterator[list[dict[str, Any]]]:
    after = None
    while True:
        with db.read_session() as session:
            cards, after = open_data_batch(session, period.start, period.end, after, BATCH)
        if cards:
            yield cards
        if after is None:
            return


def _csv_rows(cards: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for c in cards:
        steps = "；".join(f"{(s['at'] or '')[:16].replace('T', ' ')} {s['label']}" for s in c["timeline"])
        writer.writerow(
            [
                c["number"],
                c["type_label"],
                csv_cell(c["category"] or ""),
                csv_cell(c["district"] or ""),
                c["created_at"],
                c["closed_at"],
                csv_cell(c["reply"] or ""),
                steps,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _json_rows(first: bool, cards: list[dict[str, Any]]) -> bytes:
    text = ",".join(json.dumps(c, ensure_ascii=False) for c in cards)
    return ((b"" if first else b",") + text.encode("utf-8")) if cards else b""


async def _stream(
    request: web.Request, content_type: str, head: bytes, tail: bytes, body: Callable[[bool, list], bytes]
) -> web.StreamResponse:
    period = _period(request)  # a bad month is refused before anything is sent
    extension = "csv" if content_type.startswith("text/csv") else "json"
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="open-data-{period.label}.{extension}"',
        }
    )
    await response.prepare(request)
    await response.write(head)
    batches = _batches(request.app[DB_KEY], period)
    first = True
    while (cards := await asyncio.to_thread(next, batches, None)) is not None:
        await response.write(body(first, cards))
        first = False
    await response.write(tail)
    await response.write_eof()
    return response


async def open_data_json(request: web.Request) -> web.StreamResponse:
    period = _period(request)
    head = f'{{"month": "{period.label}", "items": ['.encode()
    return await _stream(request, "application/json; charset=utf-8", head, b"]}", _json_rows)


async def open_data_csv(request: web.Request) -> web.StreamResponse:
    header = io.StringIO()
    csv.writer(header).writerow(CSV_HEADERS)
    head = b"\xef\xbb\xbf" + header.getvalue().encode("utf-8")  # the BOM tells Excel: UTF-8
    return await _stream(
        request, "text/csv; charset=utf-8", head, b"", lambda _first, cards: _csv_rows(cards)
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/public/open-data.json", open_data_json)
    app.router.add_get("/api/public/open-data.csv", open_data_csv)
