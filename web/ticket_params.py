"""The filters of a ticket list, read from the query string and validated (422 with the parameter's
name on anything malformed, so a typo never silently widens or empties a list)."""

from __future__ import annotations

import datetime as dt
import re

from multidict import MultiMapping

from dispatch.ticket_listing import TicketFilters
from ticketing.errors import InvalidInput
from ticketing.search_terms import MAX_QUERY_CHARS
from ticketing.vocabulary import Channel, Grade, LabelledEnum, TicketStatus

CATEGORY_PREFIX = re.compile(r"^\d{2}(\d{2}){0,2}$")
FILTER_PARAMETERS = ("status", "grade", "channel", "unit_id", "category", "created_from", "created_to", "q")


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_parameter", parameter=name)


def _choices(query: MultiMapping[str], name: str, vocabulary: type[LabelledEnum]) -> tuple[str, ...]:
    raw = query.get(name, "")
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    allowed = {member.value for member in vocabulary}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise _bad(name, f"参数 {name} 取值无效：{', '.join(unknown)}（可选：{', '.join(sorted(allowed))}）")
    return values


def _date(query: MultiMapping[str], name: str) -> dt.date | None:
    raw = query.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, f"参数 {name} 须为日期（YYYY-MM-DD）") from None


def parse_filters(query: MultiMapping[str]) -> TicketFilters:
    unit_id = None
    if query.get("unit_id"):
        try:
            unit_id = int(query["unit_id"])
        except ValueError:
            raise _bad("unit_id", "参数 unit_id 须为整数") from None
        if not 0 < unit_id < 2**31:
            raise _bad("unit_id", "参数 unit_id 须为正整数")
    category = (query.get("category") or "").strip() or None
    if category is not None and not CATEGORY_PREFIX.match(category):
        raise _bad("category", "参数 category 须为 2、4 或 6 位分类编码")
    created_from, created_to = _date(query, "created_from"), _date(query, "created_to")
    if created_from and created_to and created_from > created_to:
        raise _bad("created_to", "结束日期不能早于开始日期")
    q = (query.get("q") or "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise _bad("q", f"检索词不能超过 {MAX_QUERY_CHARS} 个字符")
    return TicketFilters(
        statuses=_choices(query, "status", TicketStatus),
        grades=_choices(query, "grade", Grade),
        channels=_choices(query, "channel", Channel),
        unit_id=unit_id,
        category_prefix=category,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )
