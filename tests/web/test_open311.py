"""Open311 GeoReport v2 over real HTTP on both databases: services, POST through intake, the public
request list with its filters and limits, tokens, both formats, and every error path."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from dispatch.calendar_store import load_working_calendar
from dispatch.context import dispatch_context
from dispatch.graded_dispatch import close_directly, dispatch_ticket
from dispatch.models import Assignment
from dispatch.policy import load_policy
from ticketing.api_keys import issue_key, revoke_key
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import Category, Citizen, Ticket, TicketEvent, utcnow
from ticketing.submission import Submission
from web.open311_params import MAX_RESULTS, parse_request_query
from web.open311_requests import scrub, w3c

V2 = "/open311/v2"
REPORT = {
    "service_code": "020101",
    "lat": "30.2741",
    "long": "120.1551",
    "address_string": "云溪区青石街道滨江路 18 号门口",
    "description": "滨江路 18 号门口路面塌陷一个大坑，电动车经过很危险。",
    "first_name": "小明",
    "last_name": "王",
    "phone": "13812345678",
    "email": "wang@example.cn",
    "device_id": "dev-7",
}


def add_catalogue(db: Database) -> None:
    with db.session() as s:
        s.add_all(
            [
                Category(code="010000", name="城乡建设", level=1),
                Category(code="010100", name="物业管理", parent_code="010000", level=2),
                Category(code="010101", name="物业服务纠纷", parent_code="010100", level=3),
                Category(code="020000", name="交通运输", level=1),
                Category(code="020100", name="道路设施", parent_code="020000", level=2),
                Category(code="020101", name="道路坑洼塌陷", parent_code="020100", level=3),
                Category(code="020102", name="停用的分类", parent_code="020100", level=3, active=False),
            ]
        )


@pytest.fixture
def catalogue(web_db, city):
    add_catalogue(web_db)
    return web_db


@pytest.fixture
def api_key(catalogue) -> str:
    with catalogue.session() as s:
        return issue_key(s, "城市随手拍 App")


def counts(db: Database) -> tuple[int, int, int]:
    with db.read_session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Ticket, TicketEvent, Citizen))


def xml_records(body: bytes, root: str, item: str) -> list[dict[str, str | None]]:
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    element = ElementTree.fromstring(body)
    assert element.tag == root
    return [{child.tag: child.text for child in record} for record in element.findall(item)]


async def test_services_in_json_and_xml(client, catalogue):
    response = await client.get(f"{V2}/services.json")
    assert response.status == 200 and response.content_type == "application/json"
    services = await response.json()
    assert [s["service_code"] for s in services] == ["010101", "020101"]  # leaves, active only
    assert services[1] == {
        "service_code": "020101",
        "service_name": "道路坑洼塌陷",
        "description": "交通运输 › 道路设施 › 道路坑洼塌陷",
        "metadata": False,
        "type": "realtime",
        "keywords": "道路坑洼塌陷,道路设施,交通运输",
        "group": "交通运输",
    }
    response = await client.get(f"{V2}/services.xml")
    assert response.content_type == "text/xml" and response.charset == "utf-8"
    records = xml_records(await response.read(), "services", "service")
    assert records[1]["service_name"] == "道路坑洼塌陷" and records[1]["metadata"] == "false"
    assert records[1]["group"] == "交通运输"

    definition = await (await client.get(f"{V2}/services/020101.json")).json()
    assert definition == {"service_code": "020101", "attributes": []}
    body = await (await client.get(f"{V2}/services/020101.xml")).read()
    root = ElementTree.fromstring(body)
    assert root.tag == "service_definition" and root.findtext("service_code") == "020101"
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0
    for code in ("999999", "020102", "020100"):  # unknown, inactive, not a leaf
        missing = await client.get(f"{V2}/services/{code}.json")
        assert missing.status == 404
        assert (await missing.json())[0]["error_code"] == "service_not_found"


async def test_post_goes_through_intake_and_reads_back_as_public_data(client, catalogue, api_key):
    response = await client.post(f"{V2}/requests.json", data={**REPORT, "api_key": api_key})
    assert response.status == 201, await response.text()
    [created] = await response.json()
    number = created["service_request_id"]
    assert created["account_id"] is None and number in created["service_notice"]
    assert "预计" in created["service_notice"]
    with catalogue.read_session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.channel == "open311" and ticket.status == "registered"
        assert ticket.category_code == "020101" and ticket.content == REPORT["description"]
        assert (ticket.latitude, ticket.longitude) == (30.2741, 120.1551)
        assert ticket.contact_name == "王小明" and ticket.contact_phone == "+8613812345678"
        assert ticket.citizen_id is not None  # linked to the citizen's history like any call
        assert ticket.extra["open311"] == {
            "email": "wang@example.cn",
            "device_id": "dev-7",
            "client": "城市随手拍 App",
        }
        [event] = s.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).scalars()
        assert event.action == "register" and event.actor_label == "open311:城市随手拍 App"
        policy, calendar = load_policy(s), load_working_calendar(s)
        expected = policy.limit("normal", "reply").deadline(calendar, ticket.created_at)

    response = await client.get(f"{V2}/requests/{number}.json")
    [record] = await response.json()
    assert record["service_request_id"] == number and record["status"] == "open"
    assert record["status_notes"] == "已受理"
    assert record["service_code"] == "020101" and record["service_name"] == "道路坑洼塌陷"
    assert record["agency_responsible"] == "云州市12345热线"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", record["requested_datetime"])
    assert record["expected_datetime"] == w3c(expected)
    assert (record["lat"], record["long"]) == (30.2741, 120.1551)
    assert record["address"] == REPORT["address_string"]
    text = await response.text()
    for private in ("王小明", "小明", "13812345678", "****", "wang@example.cn", "dev-7"):
        assert private not in text

    xml = await (await client.get(f"{V2}/requests/{number}.xml")).read()
    [record] = xml_records(xml, "service_requests", "request")
    assert record["service_request_id"] == number and record["zipcode"] is None

    # JSON bodies are accepted too, and any format answers in kind.
    body = {**REPORT, "api_key": api_key, "lat": 30.1, "long": 120.2}
    response = await client.post(f"{V2}/requests.xml", json=body)
    assert response.status == 201
    [record] = xml_records(await response.read(), "service_requests", "request")
    assert record["service_request_id"] != number and record["account_id"] is None


async def test_address_only_and_address_id_only_are_locations(client, catalogue, api_key):
    base = {"api_key": api_key, "service_code": "010101", "description": "小区物业不作为。"}
    for location in ({"address_string": "柳湾社区 3 栋"}, {"address_id": "A-1002"}):
        response = await client.post(f"{V2}/requests.json", data={**base, **location})
        assert response.status == 201, await response.text()
    with catalogue.read_session() as s:
        addresses = sorted(s.execute(select(Ticket.address)).scalars())
    assert addresses == ["地址编号：A-1002", "柳湾社区 3 栋"]


BAD_POSTS = [
    ({"api_key": None}, 401, "api_key_required"),
    ({"api_key": "not-a-key"}, 403, "invalid_api_key"),
    ({"api_key": "REVOKED"}, 403, "api_key_revoked"),
    ({"service_code": None}, 400, "service_code_required"),
    ({"service_code": "999999"}, 400, "unknown_service_code"),
    ({"service_code": "020102"}, 400, "unknown_service_code"),  # inactive
    ({"lat": None, "long": None, "address_string": None}, 400, "location_required"),
    ({"long": None}, 400, "invalid_location"),
    ({"lat": "91"}, 400, "invalid_location"),
    ({"lat": "north"}, 400, "invalid_location"),
    ({"description": None}, 400, "description_required"),
    ({"description": "   "}, 400, "description_required"),
    ({"description": "坑" * 4001}, 400, "description_too_long"),
    ({"phone": "12"}, 400, "invalid_phone"),  # intake's own check, answered the GeoReport way
]


async def test_bad_posts_get_a_clear_error_and_write_nothing(client, catalogue, api_key):
    # One database per test is the costly part, so the cases share one (each must write nothing).
    with catalogue.session() as s:
        revoked = issue_key(s, "old app")
        revoke_key(s, "old app")
    before = counts(catalogue)
    for change, status, code in BAD_POSTS:
        fields = {**REPORT, "api_key": api_key, **change}
        if fields["api_key"] == "REVOKED":
            fields["api_key"] = revoked
        data = {k: v for k, v in fields.items() if v is not None}
        response = await client.post(f"{V2}/requests.json", data=data)
        assert response.status == status, code
        [error] = await response.json()
        assert error["code"] == status and error["error_code"] == code, (code, error)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["description"])  # said in Chinese
        assert counts(catalogue) == before, code


async def test_errors_answer_in_the_requested_format(client, catalogue):
    response = await client.post(f"{V2}/requests.xml", data={**REPORT, "api_key": "nope"})
    assert response.status == 403 and response.content_type == "text/xml"
    [error] = xml_records(await response.read(), "errors", "error")
    assert error["code"] == "403" and error["error_code"] == "invalid_api_key"

    before = counts(catalogue)
    for method, path in [
        ("GET", "services.yaml"),
        ("GET", "services/020101.csv"),
        ("POST", "requests.html"),
        ("GET", "requests/1.txt"),
        ("GET", "tokens/1.rss"),
    ]:
        response = await client.request(method, f"{V2}/{path}", data={**REPORT})
        assert response.status == 404 and response.content_type == "application/json"
        assert (await response.json())[0]["error_code"] == "unknown_format"
    assert counts(catalogue) == before

    response = await client.get(f"{V2}/nothing.xml")
    assert response.status == 404
    assert xml_records(await response.read(), "errors", "error")[0]["error_code"] == "not_found"
    response = await client.delete(f"{V2}/requests.json")
    assert response.status == 405 and "GET" in response.headers["Allow"]
    assert (await response.json())[0]["error_code"] == "method_not_allowed"


def seed_tickets(db: Database, city) -> dict[str, str]:
    """Tickets of various ages, categories and states; returns label -> ticket number."""
    now = utcnow()

    def add(label: str, age_days: float, **fields: object) -> str:
        content = fields.pop("content", f"{label}：路面坑洼，请尽快修复。")
        sub = Submission(channel=fields.pop("channel", "phone_agent"), content=content, **fields)
        return submit(db, sub, now=now - timedelta(days=age_days)).number

    numbers = {
        "old": add("old", 100, category_code="020101"),
        "recent": add("recent", 1, category_code="020101", contact_name="李四", contact_phone="13900001111"),
        "property": add("property", 2, category_code="010101"),
        "secret": add("secret", 1, category_code="020101", confidential=True),
        "draft": add("draft", 1, channel="voicemail"),
        "dispatched": add("dispatched", 3, category_code="020101", grade="urgent"),
        "closed": add("closed", 4, content="请问身份证 110101199003077777 怎么补办？电话 0571-87654321。"),
    }
    with db.read_session() as s:
        ids = {number: id_ for number, id_ in s.execute(select(Ticket.number, Ticket.id))}
    with dispatch_context(db) as ctx:
        dispatch_ticket(ctx, city.op(db, "city"), ids[numbers["dispatched"]], city.district)
    with dispatch_context(db) as ctx:
        answer = "请携带户口簿到派出所办理，咨询 13800001234。"
        close_directly(ctx, city.op(db, "city"), ids[numbers["closed"]], answer)
    return numbers


async def get_numbers(client, query: str = "") -> list[str]:
    response = await client.get(f"{V2}/requests.json{query}")
    assert response.status == 200, await response.text()
    return [r["service_request_id"] for r in await response.json()]


async def test_request_list_filters_windows_and_public_fields(client, catalogue, city):
    n = seed_tickets(catalogue, city)
    recent_first = [n[k] for k in ("recent", "property", "dispatched", "closed")]
    assert await get_numbers(client) == recent_first  # last 90 days, newest first, public only
    assert await get_numbers(client, "?status=open") == recent_first[:3]
    assert await get_numbers(client, "?status=closed") == [n["closed"]]
    assert await get_numbers(client, "?status=open,closed") == recent_first
    assert await get_numbers(client, "?service_code=010101") == [n["property"]]
    assert await get_numbers(client, "?service_code=010101,020101") == recent_first[:3]
    assert await get_numbers(client, "?page_size=2") == recent_first[:2]
    assert await get_numbers(client, "?page_size=2&page=2") == recent_first[2:]

    old_window = (utcnow() - timedelta(days=120)).date().isoformat()
    assert await get_numbers(client, f"?start_date={old_window}T00:00:00Z") == [n["old"]]
    end = (utcnow() - timedelta(days=99)).isoformat()
    assert await get_numbers(client, f"?end_date={end}") == [n["old"]]
    # Ids override every other filter (also the window); hidden tickets stay hidden even by id.
    ids = ",".join([n["old"], n["secret"], n["draft"], n["recent"]])
    assert sorted(await get_numbers(client, f"?service_request_id={ids}&status=closed")) == sorted(
        [n["old"], n["recent"]]
    )
    for hidden in ("secret", "draft"):
        assert (await client.get(f"{V2}/requests/{n[hidden]}.json")).status == 404

    records = {r["service_request_id"]: r for r in await (await client.get(f"{V2}/requests.json")).json()}
    text = await (await client.get(f"{V2}/requests.json")).text()
    assert "李四" not in text and "13900001111" not in text
    closed = records[n["closed"]]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已办结：请携带户口簿到派出所办理，咨询 ***。"
    assert closed["description"] == "请问身份证 *** 怎么补办？电话 ***。"
    dispatched = records[n["dispatched"]]
    assert dispatched["status"] == "open" and dispatched["status_notes"] == "已派单"
    assert dispatched["agency_responsible"] == "云溪区"
    with catalogue.read_session() as s:
        lead = s.execute(select(Assignment).where(Assignment.role == "lead")).scalar_one()
        assert dispatched["expected_datetime"] == w3c(lead.reply_due_at)
    assert records[n["recent"]]["service_name"] == "道路坑洼塌陷"
    assert records[n["recent"]]["agency_responsible"] == "云州市12345热线"

    xml = await (await client.get(f"{V2}/requests.xml?status=closed")).read()
    [record] = xml_records(xml, "service_requests", "request")
    assert record["status"] == "closed" and record["lat"] is None


BAD_QUERIES = [
    ("?start_date=2026-13-01", "invalid_date"),
    ("?end_date=yesterday", "invalid_date"),
    ("?start_date=2025-03-01T00:00:00Z&end_date=2025-02-01T00:00:00Z", "invalid_date_range"),
    ("?start_date=2025-01-01T00:00:00Z&end_date=2025-04-02T00:00:00Z", "date_range_too_long"),
    ("?status=pending", "invalid_status"),
    ("?page_size=1001", "invalid_parameter"),
    ("?page=0", "invalid_parameter"),
]


async def test_bad_queries_are_refused(client, catalogue):
    for query, code in BAD_QUERIES:
        response = await client.get(f"{V2}/requests.json{query}")
        assert response.status == 400, query
        [error] = await response.json()
        assert error == {"code": 400, "description": error["description"], "error_code": code}, query


async def test_offsets_in_dates_survive_an_unencoded_plus(client, catalogue, city):
    n = seed_tickets(catalogue, city)
    start = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S")
    # '+08:00' sent raw arrives as ' 08:00'; it must still read as the offset, not fail or shift.
    assert n["recent"] in await get_numbers(client, f"?start_date={start}+00:00")


async def test_tokens_are_ticket_numbers_of_open311_requests(client, catalogue, city, api_key):
    [created] = await (await client.post(f"{V2}/requests.json", data={**REPORT, "api_key": api_key})).json()
    number = created["service_request_id"]
    assert await (await client.get(f"{V2}/tokens/{number}.json")).json() == [
        {"service_request_id": number, "token": number}
    ]
    xml = await (await client.get(f"{V2}/tokens/{number}.xml")).read()
    [record] = xml_records(xml, "service_requests", "request")
    assert record == {"service_request_id": number, "token": number}
    phone_ticket = seed_tickets(catalogue, city)["recent"]
    for token in (phone_ticket, "nope"):
        response = await client.get(f"{V2}/tokens/{token}.json")
        assert response.status == 404 and (await response.json())[0]["error_code"] == "token_not_found"


async def test_discovery(client, catalogue):
    body = await (await client.get("/open311/discovery.json")).json()
    [endpoint] = body["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    root = ElementTree.fromstring(await (await client.get(f"{V2}/discovery.xml")).read())
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_defaults_are_the_specs_and_numbers_are_masked():
    now = utcnow()
    query = parse_request_query({}, now)
    assert (query.start, query.end) == (now - timedelta(days=90), now)
    assert query.page_size == MAX_RESULTS == 1000 and query.page == 1
    assert scrub("2025-06-01 停水，电话 138 0000 1234，身份证 11010119900307777X。") == (
        "2025-06-01 停水，电话 ***，身份证 ***。"
    )


async def test_oversized_bodies_get_a_georeport_error(client, catalogue, api_key):
    body = {"api_key": api_key, "description": "坑" * (26 * 2**20 // 3)}
    response = await client.post(f"{V2}/requests.json", json=body)
    assert response.status == 413
    assert (await response.json())[0]["error_code"] == "payload_too_large"
    assert counts(catalogue) == (0, 0, 0)
