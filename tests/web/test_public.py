"""The citizens' pages and their JSON twins over real HTTP on both databases: submit through intake
(CSRF-safe form token, one ticket per form, optional photo), progress look-up without enumeration,
and the anonymised public list."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from dispatch.assessment_period import current_month
from dispatch.context import dispatch_context
from dispatch.graded_dispatch import close_directly
from tests.web.test_open311 import add_catalogue
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import Attachment, Ticket, TicketEvent, utcnow
from ticketing.submission import Submission
from web import open_data

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REQUEST = {
    "content": "青石街道滨江路 18 号门口的路灯坏了一个月，晚上很黑。",
    "contact_phone": "13812345678",
    "contact_name": "王小明",
    "ticket_type": "help",
    "address": "滨江路 18 号",
}


def counts(db: Database) -> tuple[int, int, int]:
    with db.read_session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Ticket, TicketEvent, Attachment))


async def form_token(client) -> str:
    response = await client.get("/api/public/form-token")
    assert response.status == 200
    return (await response.json())["form_token"]


async def test_a_form_gives_one_ticket_through_intake_however_often_it_is_sent(client, web_db, city):
    token = await form_token(client)
    first = await client.post("/api/public/requests", json={**REQUEST, "form_token": token})
    assert first.status == 201, await first.text()
    body = await first.json()
    again = await client.post("/api/public/requests", json={**REQUEST, "form_token": token})
    assert again.status == 200 and (await again.json())["number"] == body["number"]
    assert body["created"] is True and (await again.json())["created"] is False
    with web_db.read_session() as s:
        ticket = s.execute(select(Ticket)).scalar_one()
        assert (ticket.channel, ticket.number, ticket.contact_phone) == (
            "web_form",
            body["number"],
            "+8613812345678",
        )
        assert ticket.ticket_type == "help" and ticket.status == "registered"

    second_form = await client.post(
        "/api/public/requests", json={**REQUEST, "form_token": await form_token(client)}
    )
    assert second_form.status == 201 and (await second_form.json())["number"] != body["number"]


async def test_forms_cannot_be_forged_or_carried_to_another_browser(client, web_db, city):
    token = await form_token(client)
    cases = [
        {**REQUEST},  # no token
        {**REQUEST, "form_token": "1.2.3"},
        {**REQUEST, "form_token": token[:-1] + ("0" if token[-1] != "0" else "1")},
    ]
    for body in cases:
        response = await client.post("/api/public/requests", json=body)
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "form_token_invalid"
    client.session.cookie_jar.clear()  # another browser: the token is bound to the first one's cookie
    response = await client.post("/api/public/requests", json={**REQUEST, "form_token": token})
    assert response.status == 403
    assert counts(web_db) == (0, 0, 0)


async def test_bad_input_gets_a_clear_error_and_writes_nothing(client, web_db, city):
    token = await form_token(client)
    cases = [
        ({"content": "路灯坏了"}, "phone_required"),
        ({"contact_phone": "13812345678"}, "content_required"),
        ({"content": "x", "contact_phone": "12345"}, "invalid_phone"),
        ({"content": "x", "contact_phone": "13812345678", "ticket_type": "spam"}, "invalid_type"),
        ({"content": "x", "contact_phone": "13812345678", "latitude": "北纬"}, "invalid_location"),
        ({"content": "x", "contact_phone": "13812345678", "latitude": 30.0}, "invalid_location"),
        ({"content": "x" * 5001, "contact_phone": "13812345678"}, "content_too_long"),
        ({"content": "x", "contact_phone": "13812345678", "colour": "red"}, "unknown_fields"),
    ]
    for body, code in cases:
        response = await client.post("/api/public/requests", json={**body, "form_token": token})
        assert response.status == 422, (body, await response.text())
        error = (await response.json())["error"]
        assert error["code"] == code and re.search(r"[\u4e00-\u9fff]", error["message"])
    assert counts(web_db) == (0, 0, 0)


async def test_a_photo_is_checked_first_and_attached_once(client, web_db, city):
    token = await form_token(client)

    def form(photo: bytes, content_type: str) -> dict:
        import aiohttp

        data = aiohttp.FormData()
        for key, value in {**REQUEST, "form_token": token}.items():
            data.add_field(key, value)
        data.add_field("photo", photo, filename="路灯.png", content_type=content_type)
        return data

    refused = await client.post("/api/public/requests", data=form(b"GIF89a....", "image/png"))
    assert refused.status == 422 and (await refused.json())["error"]["code"] == "content_mismatch"
    assert counts(web_db) == (0, 0, 0)
    for _ in range(2):  # the citizen sends the same form twice
        response = await client.post("/api/public/requests", data=form(PNG, "image/png"))
        assert response.status in (200, 201), await response.text()
    with web_db.read_session() as s:
        attachment = s.execute(select(Attachment)).scalar_one()
        assert (attachment.kind, attachment.filename, attachment.size_bytes) == (
            "image",
            "路灯.png",
            len(PNG),
        )
    assert counts(web_db)[0] == 1


async def test_the_html_form_round_trip(client, web_db, city):
    page = await client.get("/public/submit")
    assert page.status == 200 and "no-store" in page.headers["Cache-Control"]
    html = await page.text()
    assert "我要反映" in html and "/public/static/public.css" in html
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    refused = await client.post("/public/submit", data={**REQUEST, "contact_phone": "", "form_token": token})
    assert refused.status == 422 and "请填写联系电话" in await refused.text()
    assert "王小明" in await refused.text()  # what the citizen typed is kept
    done = await client.post("/public/submit", data={**REQUEST, "form_token": token})
    assert done.status == 201
    number = re.search(r'class="ticket-number">(\d{14})<', await done.text()).group(1)
    resent = await client.post("/public/submit", data={**REQUEST, "form_token": token})
    assert resent.status == 200 and number in await resent.text()
    assert counts(web_db)[0] == 1
    for path in ("/public/static/public.css", "/public/static/public.js", "/public/"):
        assert (await client.get(path)).status == 200
    hostile = await client.post(
        "/public/submit", data={**REQUEST, "contact_name": "<script>alert(1)</script>", "form_token": "x"}
    )
    assert "<script>alert" not in await hostile.text() and "&lt;script&gt;" in await hostile.text()


def seed(db: Database, city) -> dict[str, str]:
    add_catalogue(db)

    def add(**fields: object) -> str:
        sub = Submission(channel=fields.pop("channel", "phone_agent"), **fields)
        return submit(db, sub).number

    numbers = {
        "open": add(
            content="柳湾社区 3 号楼前路面塌陷",
            contact_phone="13812345678",
            contact_name="王小明",
            category_code="020101",
            area_code="D01S01C01",
            address="柳湾社区 3 号楼",
        ),
        "closed": add(content="身份证怎么补办？", contact_phone="13900001111", contact_name="李四"),
        "secret": add(content="举报某餐馆", contact_phone="13700002222", confidential=True),
        "draft": add(content="语音留言", contact_phone="13600003333", channel="voicemail"),
    }
    with db.read_session() as s:
        ids = dict(s.execute(select(Ticket.number, Ticket.id)).all())
    with dispatch_context(db) as ctx:
        answer = "李女士您好：请携带户口簿到滨江路 18 号派出所办理，咨询 13800001234，地址 3-2-501 室。"
        close_directly(ctx, city.op(db, "city"), ids[numbers["closed"]], answer)
    with dispatch_context(db) as ctx:
        close_directly(ctx, city.op(db, "city"), ids[numbers["secret"]], "已核查并处理。")
    return numbers


async def test_lookup_needs_the_matching_pair_and_cannot_tell_missing_from_wrong(client, web_db, city):
    n = seed(web_db, city)
    found = await client.post("/api/public/lookup", json={"number": n["closed"], "phone_last4": "1111"})
    assert found.status == 200, await found.text()
    body = await found.json()
    assert body["status"] == "closed" and [s["label"] for s in body["timeline"]] == [
        "诉求已受理",
        "已答复办结",
    ]
    assert body["reply"].startswith("*女士您好") and "13800001234" not in body["reply"]
    text = str(body)
    assert (
        "李四" not in text and "13900001111" not in text and "身份证" not in text
    )  # no name, phone or request text

    wrong = await client.post("/api/public/lookup", json={"number": n["closed"], "phone_last4": "2222"})
    missing = await client.post(
        "/api/public/lookup", json={"number": "20990101000001", "phone_last4": "1111"}
    )
    draft = await client.post("/api/public/lookup", json={"number": n["draft"], "phone_last4": "3333"})
    answers = [(r.status, await r.json()) for r in (wrong, missing, draft)]
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 404

    secret = await (
        await client.post("/api/public/lookup", json={"number": n["secret"], "phone_last4": "2222"})
    ).json()
    assert secret["status"] == "closed" and secret["reply"] is None  # 保密件: the answer comes by phone

    malformed = await client.post("/api/public/lookup", json={"number": "123", "phone_last4": "1111"})
    assert (await malformed.json())["error"]["code"] == "invalid_ticket_number"

    page = await client.post("/public/lookup", data={"number": n["open"], "phone_last4": "5678"})
    html = await page.text()
    assert page.status == 200 and "诉求已受理" in html and "云溪区" in html and "道路坑洼塌陷" in html
    assert "王小明" not in html and "3 号楼" not in html
    page = await client.post("/public/lookup", data={"number": n["open"], "phone_last4": "0000"})
    assert page.status == 404 and "未找到匹配的工单" in await page.text()


async def test_the_public_list_is_anonymised(client, web_db, city):
    n = seed(web_db, city)
    response = await client.get("/api/public/tickets")
    assert response.status == 200
    body = await response.json()
    assert [t["number"] for t in body["items"]] == [n["closed"], n["open"]]  # no confidential, no draft
    assert body["has_more"] is False
    closed, opened = body["items"]
    assert (opened["district"], opened["category"], opened["status"]) == ("云溪区", "道路坑洼塌陷", "open")
    assert opened["reply"] is None and closed["status"] == "closed"
    assert closed["reply"] == "*女士您好：请携带户口簿到滨江路 * 号派出所办理，咨询 ***，地址 * 室。"
    text = str(body)
    for private in (
        "王小明",
        "李四",
        "13812345678",
        "13900001111",
        "13800001234",
        "3 号楼",
        "柳湾社区",
        "身份证",
    ):
        assert private not in text, private
    assert set(opened) == {
        "number",
        "type_label",
        "category",
        "district",
        "status",
        "status_label",
        "created_at",
        "updated_at",
        "closed_at",
        "reply",
        "timeline",
    }
    assert [s["label"] for s in closed["timeline"]] == ["诉求已受理", "已答复办结"]

    only_closed = await (await client.get("/api/public/tickets?status=closed")).json()
    assert [t["number"] for t in only_closed["items"]] == [n["closed"]]
    in_district = await (await client.get("/api/public/tickets?district=D01")).json()
    assert [t["number"] for t in in_district["items"]] == [n["open"]]
    paged = await (await client.get("/api/public/tickets?per_page=1")).json()
    assert paged["has_more"] is True and len(paged["items"]) == 1
    for bad in ("status=all", "per_page=500", "page=0", "district=D99"):
        assert (await client.get(f"/api/public/tickets?{bad}")).status == 422, bad
    districts = await (await client.get("/api/public/districts")).json()
    assert districts["items"] == [{"code": "D01", "name": "云溪区"}]

    page = await client.get("/public/tickets")
    html = await page.text()
    assert page.status == 200 and "道路坑洼塌陷" in html and "王小明" not in html and "李四" not in html
    assert (await client.get("/public/tickets?district=D99")).status == 422


async def test_open_data_holds_the_month_closed_tickets_anonymised(client, web_db, city):
    n = seed(web_db, city)
    month = current_month(utcnow())
    as_json = await client.get("/api/public/open-data.json", params={"month": month})
    assert as_json.status == 200, await as_json.text()
    body = await as_json.json()
    assert body["month"] == month
    assert [t["number"] for t in body["items"]] == [n["closed"]]  # not open, confidential or draft
    [item] = body["items"]
    assert item["reply"].startswith("*女士您好") and [s["label"] for s in item["timeline"]] == [
        "诉求已受理",
        "已答复办结",
    ]
    as_csv = await client.get("/api/public/open-data.csv", params={"month": month})
    assert as_csv.status == 200 and as_csv.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO((await as_csv.read()).decode("utf-8-sig"))))
    assert rows[0][0] == "工单编号" and [r[0] for r in rows[1:]] == [n["closed"]]
    assert "诉求已受理" in rows[1][7] and rows[1][6] == item["reply"]
    for text in (str(body), str(rows)):
        for private in ("李四", "13900001111", "13800001234", "身份证", "王小明", "举报"):
            assert private not in text, private

    empty = await (await client.get("/api/public/open-data.json", params={"month": "2020-01"})).json()
    assert empty == {"month": "2020-01", "items": []}
    bad = await client.get("/api/public/open-data.csv", params={"month": "2026-1"})
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_month"


async def test_open_data_pages_through_batches(client, web_db, city, monkeypatch):
    seed(web_db, city)
    for i in range(4):
        t = submit(web_db, Submission(channel="phone_agent", content=f"咨询第{i}件")).ticket_id
        with dispatch_context(web_db) as ctx:
            close_directly(ctx, city.op(web_db, "city"), t, f"答复{i}")
    monkeypatch.setattr(open_data, "BATCH", 2)
    body = await (await client.get("/api/public/open-data.json")).json()
    assert len(body["items"]) == 5 and len({t["number"] for t in body["items"]}) == 5
