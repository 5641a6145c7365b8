"""`GET /api/tickets` filters and search, and the CSV/XLSX exports, over real HTTP on both databases:
every filter narrows, pages are stable, and no search or export ever shows a ticket out of scope."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import sign
from tests.web.conftest import login
from ticketing.intake import submit
from ticketing.models import AuditEntry, Category
from ticketing.submission import Submission

DAY1 = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 2026-11-21 01:00 in Beijing
DAY2 = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 2026-11-22 10:00 in Beijing


async def as_user(client, username: str) -> None:
    client.session.cookie_jar.clear()
    await login(client, username)


@pytest.fixture
def tickets(web_db, city) -> dict[str, int]:
    with web_db.session() as s:
        s.add_all(
            [
                Category(code="010000", name="城乡建设", level=1),
                Category(code="010100", name="市政设施", parent_code="010000", level=2),
                Category(code="020000", name="环境保护", level=1),
            ]
        )

    def new(content: str, now: datetime, **extra: object) -> int:
        return submit(
            web_db, Submission(channel=extra.pop("channel", "phone_agent"), content=content, **extra), now=now
        ).ticket_id  # type: ignore[arg-type]

    made = {
        "sewer": new(
            "柳湾社区下水道堵塞，污水外溢",
            DAY1,
            category_code="010100",
            grade="urgent",
            contact_phone="13812345678",
            contact_name="王先生",
        ),
        "noise": new("夜间施工噪音扰民", DAY2, category_code="020000", channel="web_form"),
        "formula": new('=HYPERLINK("http://x") 下水道井盖缺失', DAY2, category_code="010000"),
    }
    with dispatch_context(web_db, now=DAY2) as ctx:
        lead = dispatch_ticket(ctx, city.op(web_db, "city"), made["sewer"], city.district)
        sign(ctx, city.op(web_db, "district"), lead.id)
    with dispatch_context(web_db, now=DAY2) as ctx:
        dispatch_ticket(ctx, city.op(web_db, "district"), made["sewer"], city.street)
    return made


async def ids(client, query: str = "") -> list[int]:
    response = await client.get(f"/api/tickets?{query}")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["total"] == len(body["items"]) or "per_page" in query
    return [item["id"] for item in body["items"]]


async def test_filters_and_search_narrow_the_platform_list(client, tickets, city, monkeypatch):
    await as_user(client, "city")
    t = tickets
    assert await ids(client) == [t["formula"], t["noise"], t["sewer"]]  # newest first, id breaks ties
    assert await ids(client, "q=下水道") == [t["formula"], t["sewer"]]
    assert await ids(client, "q=水道 污水") == [t["sewer"]]
    assert await ids(client, "q=噪音") == [t["noise"]]
    assert await ids(client, "status=dispatched") == [t["sewer"]]
    assert await ids(client, "status=registered,dispatched&q=下水道") == [t["formula"], t["sewer"]]
    assert await ids(client, f"unit_id={city.street}") == [t["sewer"]]  # the assignment's unit
    assert await ids(client, f"unit_id={city.platform}") == [t["formula"], t["noise"], t["sewer"]]
    assert await ids(client, f"unit_id={city.district}") == [t["sewer"]]  # a past assignment counts
    assert await ids(client, f"unit_id={city.department}") == []
    assert await ids(client, "category=01") == [t["formula"], t["sewer"]]
    assert await ids(client, "category=0101") == [t["sewer"]]
    assert await ids(client, "grade=urgent") == [t["sewer"]]
    assert await ids(client, "channel=web_form") == [t["noise"]]
    assert await ids(client, "created_from=2026-11-21&created_to=2026-11-21") == [t["sewer"]]
    assert await ids(client, "created_from=2026-11-22") == [t["formula"], t["noise"]]
    first = await (await client.get("/api/tickets?per_page=2&page=1")).json()
    second = await (await client.get("/api/tickets?per_page=2&page=2")).json()
    assert first["total"] == second["total"] == 3
    assert [i["id"] for i in first["items"] + second["items"]] == [t["formula"], t["noise"], t["sewer"]]
    assert set(first["items"][0]) >= {"id", "number", "status", "title", "created_at"}  # shape kept
    assert first["total_capped"] is False
    monkeypatch.setattr("web.tickets_api.COUNT_CAP", 2)  # a common word over a big city: "2+"
    capped = await (await client.get("/api/tickets?per_page=1&page=3")).json()
    assert (capped["total"], capped["total_capped"]) == (2, True)
    assert [i["id"] for i in capped["items"]] == [t["sewer"]]  # paging goes on past the counted part


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "grade=high",
        "channel=fax",
        "unit_id=x",
        "category=1",
        "category=abc",
        "created_from=2026-13-01",
        "created_to=2026-11-21&created_from=2026-11-22",
        "q=" + "长" * 101,
    ],
)
async def test_malformed_filters_are_refused_by_name(client, city, query):
    await as_user(client, "city")
    response = await client.get(f"/api/tickets?{query}")
    body = await response.json()
    assert response.status == 422 and body["error"]["code"] == "invalid_parameter"
    assert body["error"]["details"]["parameter"] == query.split("=")[0]
    export = await client.get(f"/api/tickets/export.csv?{query}")
    assert export.status == 422


async def test_search_and_export_never_show_a_ticket_out_of_scope(client, tickets, city):
    await as_user(client, "other_street")  # a street with nothing of its own
    assert await ids(client, "q=下水道") == []
    assert await ids(client, f"unit_id={city.street}") == []
    rows = list(
        csv.reader(
            io.StringIO(
                (await (await client.get("/api/tickets/export.csv?q=下水道")).read()).decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 1  # the header only

    await as_user(client, "street")  # its assignment, nothing else
    assert await ids(client, "q=下水道") == [tickets["sewer"]]
    assert await ids(client, "q=噪音") == []


async def test_csv_export_opens_in_excel_with_chinese_headers_beijing_times_and_masked_numbers(
    client, tickets, web_db
):
    await as_user(client, "agent")  # even agents get masked numbers in a file
    response = await client.get("/api/tickets/export.csv?q=下水道")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:3] == ["工单编号", "受理时间", "状态"]
    by_content = {row[header.index("诉求内容")]: dict(zip(header, row, strict=True)) for row in rows}
    sewer = by_content["柳湾社区下水道堵塞，污水外溢"]
    assert sewer["受理时间"] == "2026-11-21 01:00:00"
    assert sewer["状态"] == "已派单" and sewer["紧急程度"] == "紧急" and sewer["诉求分类"] == "市政设施"
    assert sewer["联系电话"] == "138****5678" and sewer["联系人"] == "王先生"
    assert sewer["当前承办单位"] == "青石街道"
    assert '\'=HYPERLINK("http://x") 下水道井盖缺失' in by_content  # a formula stays text
    with web_db.read_session() as session:  # who exported what is on record
        (entry,) = session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.entity, entry.entity_id, entry.actor_label) == (
        "export",
        "tickets",
        "csv",
        "agent",
    )
    assert entry.after == {"filters": {"q": "下水道"}, "rows": 2}


async def test_xlsx_export_reads_back_with_openpyxl(client, tickets, tmp_path):
    await as_user(client, "city")
    response = await client.get("/api/tickets/export.xlsx?category=01")
    assert response.status == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(await response.read())
    sheet = openpyxl.load_workbook(path).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[0] == "工单编号" and header[-1] == "办结时间"
    contents = [row[header.index("诉求内容")] for row in rows]
    assert contents == ['=HYPERLINK("http://x") 下水道井盖缺失', "柳湾社区下水道堵塞，污水外溢"]
    cell = sheet.cell(row=2, column=header.index("诉求内容") + 1)
    assert cell.data_type == "s"  # stored as text, never as a formula


async def test_an_export_over_the_limit_is_refused_not_cut(client, tickets, monkeypatch):
    import web.ticket_export

    monkeypatch.setattr(web.ticket_export, "MAX_EXPORT_ROWS", 2)
    monkeypatch.setattr(web.ticket_export, "BATCH_ROWS", 1)
    await as_user(client, "city")
    refused = await client.get("/api/tickets/export.csv")
    assert refused.status == 422 and (await refused.json())["error"]["code"] == "export_too_large"
    rows = list(
        csv.reader(
            io.StringIO(
                (await (await client.get("/api/tickets/export.csv?q=下水道")).read()).decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 3  # two tickets fetched in batches of one, then the end


@pytest.mark.parametrize("few", [0, 10_000])
async def test_both_page_plans_give_the_same_pages(client, tickets, monkeypatch, few):
    import dispatch.ticket_listing

    monkeypatch.setattr(dispatch.ticket_listing, "FEW_MATCHES", few)  # 0: always the index walk
    await as_user(client, "city")
    t = tickets
    assert await ids(client) == [t["formula"], t["noise"], t["sewer"]]
    assert await ids(client, "q=下水道") == [t["formula"], t["sewer"]]
    pages = [await ids(client, f"per_page=1&page={n}") for n in (1, 2, 3, 4)]
    assert pages == [[t["formula"]], [t["noise"]], [t["sewer"]], []]


async def test_a_whole_ticket_number_finds_its_ticket(client, tickets, web_db):
    from ticketing.models import Ticket

    with web_db.read_session() as s:
        number = s.get_one(Ticket, tickets["noise"]).number
    await as_user(client, "city")
    assert await ids(client, f"q={number}") == [tickets["noise"]]
    assert await ids(client, f"q={number[:-1]}9") == []
