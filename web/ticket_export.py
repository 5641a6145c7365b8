"""`/api/tickets/export.csv` and `.xlsx`: any filtered ticket list (same filters and scoping as the
list) as a file an office opens in Excel — Chinese headers, Beijing times, CSV in UTF-8 with a BOM.

Exports are bounded: more than MAX_EXPORT_ROWS matching tickets is refused (422) with a request to
narrow the filters, rather than a silently cut file. CSV is streamed in keyset-paged batches, each
in its own short read transaction; XLSX is written in openpyxl's write-only mode to a temporary file.
Phone numbers are always masked: a file leaves the system's access control.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import and_, func, or_, select

from dispatch.operators import Operator
from dispatch.ticket_listing import TicketFilters, conditions, page
from ticketing.audit import record
from ticketing.db import Database
from ticketing.errors import InvalidInput
from ticketing.models import Category, OrgUnit, Ticket, utcnow
from ticketing.vocabulary import Channel, Grade, TicketStatus, TicketType
from web.auth import operator_of
from web.keys import DB_KEY
from web.masking import mask_phone
from web.serialize import LOCAL
from web.ticket_params import parse_filters

MAX_EXPORT_ROWS = 50_000
BATCH_ROWS = 2_000
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
HEADERS = (
    "工单编号",
    "受理时间",
    "状态",
    "诉求类型",
    "紧急程度",
    "受理渠道",
    "标题",
    "诉求内容",
    "诉求地址",
    "分类编码",
    "诉求分类",
    "当前承办单位",
    "联系人",
    "联系电话",
    "办结时间",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Columns holding what citizens and staff typed; the others are our own formatted values.
FREE_TEXT = frozenset(HEADERS.index(name) for name in ("标题", "诉求内容", "诉求地址", "联系人"))


def local_time(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def csv_cell(value: str) -> str:
    """Text stays text: a CSV cell starting like a formula would run in Excel (CSV injection)."""
    value = value[:MAX_CELL_CHARS]
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_row(ticket: Ticket, units: dict[int, str], categories: dict[str, str]) -> list[str]:
    return [
        ticket.number,
        local_time(ticket.created_at),
        TicketStatus(ticket.status).label,
        TicketType(ticket.ticket_type).label,
        Grade(ticket.grade).label,
        Channel(ticket.channel).label,
        ticket.title or "",
        ticket.content or "",
        ticket.address or "",
        ticket.category_code or "",
        categories.get(ticket.category_code or "", ""),
        units.get(ticket.holder_unit_id or 0, ""),
        "" if ticket.anonymous else ticket.contact_name or "",
        mask_phone(ticket.contact_phone) or "",  # files leave the system: masked for everyone
        local_time(ticket.closed_at),
    ]


class Export:
    """One export's rows, fetched batch by batch after the count was checked against the limit."""

    def __init__(self, db: Database, operator: Operator, filters: TicketFilters) -> None:
        self.db, self.operator, self.filters = db, operator, filters
        self.total = 0

    def start(self, file_format: str) -> int:
        """Check the size against the limit, and record who exported what (DESIGN §11: an audit
        trail of who read what; a file is the largest read there is)."""
        with self.db.read_session() as s:
            total = s.scalar(
                select(func.count()).select_from(Ticket).where(*conditions(s, self.operator, self.filters))
            )
        if total and total > MAX_EXPORT_ROWS:
            raise InvalidInput(
                f"符合条件的工单有 {total} 件，超过单次导出上限 {MAX_EXPORT_ROWS} 件，请缩小筛选范围",
                code="export_too_large",
                total=total,
                limit=MAX_EXPORT_ROWS,
            )
        self.total = total or 0
        filters = {k: v for k, v in asdict(self.filters).items() if v not in (None, "", ())}
        with self.db.session() as s:
            record(
                s,
                self.operator.actor,
                "export",
                "tickets",
                file_format,
                None,
                {
                    "filters": json.loads(json.dumps(filters, default=str)),
                    "rows": total or 0,
                },
            )
        return total or 0

    def batches(self) -> Iterator[list[list[str]]]:
        after: tuple[datetime, int] | None = None
        with self.db.read_session() as s:
            units = dict(s.execute(select(OrgUnit.id, OrgUnit.name)).all())
            categories = dict(s.execute(select(Category.code, Category.name)).all())
        while True:
            with self.db.read_session() as s:
                where = conditions(s, self.operator, self.filters)
                if after is not None:  # keyset paging in the list's own order (newest first)
                    created, ticket_id = after
                    where.append(
                        or_(
                            Ticket.created_at < created,
                            and_(Ticket.created_at == created, Ticket.id < ticket_id),
                        )
                    )
                statement = page(where, matches_count=self.total, offset=0, limit=BATCH_ROWS)
                tickets = list(s.execute(statement).scalars())
                rows = [export_row(t, units, categories) for t in tickets]
            if not rows:
                return
            yield rows
            after = (tickets[-1].created_at, tickets[-1].id)


def _filename(extension: str) -> str:
    name = f"工单导出-{utcnow().astimezone(LOCAL):%Y%m%d-%H%M}.{extension}"
    return f"attachment; filename=\"tickets.{extension}\"; filename*=UTF-8''{quote(name)}"


def _csv_text(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [csv_cell(cell) if i in FREE_TEXT else cell for i, cell in enumerate(row)] for row in rows
    )
    return buffer.getvalue().encode("utf-8")


async def export_csv(request: web.Request) -> web.StreamResponse:
    export = Export(request.app[DB_KEY], operator_of(request), parse_filters(request.query))
    await asyncio.to_thread(export.start, "csv")
    response = web.StreamResponse(
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": _filename("csv")}
    )
    await response.prepare(request)
    header = io.StringIO()
    csv.writer(header).writerow(HEADERS)
    await response.write(b"\xef\xbb\xbf" + header.getvalue().encode("utf-8"))  # the BOM tells Excel: UTF-8
    batches = export.batches()
    while (rows := await asyncio.to_thread(next, batches, None)) is not None:
        await response.write(_csv_text(rows))
    await response.write_eof()
    return response


def _xlsx_file(export: Export) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append(list(HEADERS))

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value[:MAX_CELL_CHARS])
        cell.data_type = "s"  # never a formula, whatever the citizen typed
        return cell

    for rows in export.batches():
        for row in rows:
            sheet.append([text_cell(value) for value in row])
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115 - returned to the caller
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


async def export_xlsx(request: web.Request) -> web.StreamResponse:
    export = Export(request.app[DB_KEY], operator_of(request), parse_filters(request.query))
    await asyncio.to_thread(export.start, "xlsx")
    spooled = await asyncio.to_thread(_xlsx_file, export)
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": _filename("xlsx"),
        }
    )
    await response.prepare(request)
    with spooled:
        while chunk := await asyncio.to_thread(spooled.read, 2**20):
            await response.write(chunk)
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    # Before /api/tickets/{ticket_id}, which would otherwise take "export.csv" as an id.
    app.router.add_get("/api/tickets/export.csv", export_csv)
    app.router.add_get("/api/tickets/export.xlsx", export_xlsx)
