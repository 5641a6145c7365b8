"""The dashboards over HTTP on both databases: the hand-counted month of tests/dispatch/test_assessment
as JSON, as XLSX and as a page with its charts; scoping by role and unit; bad input refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from dispatch.ratings import accept_device_rating
from tests.dispatch.conftest import PASSWORD_HASH, City
from tests.dispatch.test_assessment import build_month
from tests.support.ratings import build_hall
from tests.web.conftest import login
from ticketing.models import User

RATED_AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def add_viewers(db, city: City) -> None:
    with db.session() as s:
        for name, role, unit in [
            ("analyst", "analyst", city.platform),
            ("leader", "leader", city.platform),
            ("district_leader", "leader", city.district),
            ("supervisor", "supervisor", city.platform),
        ]:
            s.add(
                User(username=name, display_name=name, password_hash=PASSWORD_HASH, role=role, unit_id=unit)
            )


async def test_dashboard_json_xlsx_and_page(client, web_db, city: City):
    build_month(web_db, city)
    add_viewers(web_db, city)
    hall = build_hall(web_db, city)
    for key, level in (("r1", "非常满意"), ("r2", "基本满意")):
        accept_device_rating(web_db, hall.token, {"level": level, "idempotency_key": key}, RATED_AT)

    await login(client, "analyst")
    response = await client.get("/api/dashboard", params={"month": "2026-11"})
    assert response.status == 200, await response.text()
    body = await response.json()
    rankings = body["tables"]["rankings"]
    assert rankings["headers"][:3] == ["名次", "单位", "综合得分"]
    assert [row[:3] for row in rankings["rows"]] == [
        [1, "云溪区", 100.0],
        [1, "青石街道", 100.0],
        [3, "市城市管理局", 66.67],
    ]
    assert body["tables"]["exclusions"]["rows"][0][1] == "云溪区"
    assert body["tables"]["volume"]["rows"][1] == ["2026-11-02", 9]
    assert body["tables"]["calls"]["rows"][0][:2] == ["全部", 0]
    assert body["weights"] == {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
    ratings = {(row[0], row[1]): row for row in body["tables"]["ratings"]["rows"]}
    hall_row = ratings[("服务大厅", "青石街道便民服务中心")]
    assert (hall_row[2], hall_row[-2], hall_row[-1]) == (2, 0, 100.0)  # two ratings, no 差评
    assert {dimension for dimension, _ in ratings} == {"服务大厅", "窗口", "工作人员"}

    sheet = await client.get("/api/dashboard/rankings.xlsx", params={"month": "2026-11"})
    assert sheet.status == 200 and sheet.content_type.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(await sheet.read())).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "单位", "综合得分") and rows[3][:3] == (3, "市城市管理局", 66.67)
    for key in body["tables"]:
        assert (await client.get(f"/api/dashboard/{key}.xlsx", params={"month": "2026-11"})).status == 200

    page = await client.get("/dashboard", params={"month": "2026-11"})
    html = await page.text()
    assert page.status == 200 and html.count("<svg") >= 5 and "诉求热点" in html and "市城市管理局" in html
    assert "cdn" not in html.lower() and "<script" not in html


async def test_a_district_leader_sees_only_the_district(client, web_db, city: City):
    build_month(web_db, city)
    add_viewers(web_db, city)
    await login(client, "district_leader")
    body = await (await client.get("/api/dashboard", params={"month": "2026-11"})).json()
    assert [row[1] for row in body["tables"]["rankings"]["rows"]] == ["云溪区", "青石街道"]
    assert "calls" not in body["tables"]  # the call centre belongs to the platform
    assert sum(n for _, n in body["tables"]["volume"]["rows"]) == 4  # T6–T9: the district's tickets


async def test_bad_requests_change_nothing(client, web_db, city: City):
    add_viewers(web_db, city)
    await login(client, "department")
    refused = await client.get("/api/dashboard")
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "forbidden"
    assert (await client.get("/dashboard")).status == 403
    await login(client, "supervisor")
    page = await client.get("/dashboard", params={"month": "13/2026"})
    assert page.status == 422 and "考核月份格式应为 YYYY-MM" in await page.text()
    bad = await client.get("/api/dashboard", params={"month": "2026-13"})
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_month"
    missing = await client.get("/api/dashboard/nothing.xlsx")
    assert missing.status == 404 and (await missing.json())["error"]["code"] == "unknown_table"
