"""The admin JSON API over real HTTP on both databases: admins only, every change validated (bad input
changes nothing and leaves no audit entry) and audited with before/after."""

from __future__ import annotations

import pytest

from tests.dispatch.conftest import add_admin
from tests.web.conftest import login


@pytest.fixture
def admin(web_db, city) -> dict[str, int]:
    add_admin(web_db, city.platform)
    return city.users


async def as_admin(client) -> dict[str, str]:
    client.session.cookie_jar.clear()
    return {"X-CSRF-Token": await login(client, "admin")}


async def call(client, method: str, path: str, headers: dict, body: dict | None = None, status: int = 200):
    response = await client.request(method, path, json=body, headers=headers)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def audit(client, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return (await (await client.get(f"/api/admin/audit?{query}")).json())["items"]


async def test_only_admins_reach_the_admin_api(client, admin):
    assert (await client.get("/api/admin/units")).status == 401
    for username in ("city", "agent", "community"):
        client.session.cookie_jar.clear()
        headers = {"X-CSRF-Token": await login(client, username)}
        for method, path in [
            ("GET", "/api/admin/units"),
            ("GET", "/api/admin/audit"),
            ("POST", "/api/admin/categories"),
            ("PATCH", "/api/admin/users/1"),
        ]:
            response = await client.request(
                method, path, json={"code": "990000", "name": "x"}, headers=headers
            )
            assert response.status == 403, (username, path)
            assert (await response.json())["error"]["code"] == "admin_only"


async def test_org_tree_edits_are_validated_and_audited(client, admin, city):
    h = await as_admin(client)
    units = (await call(client, "GET", "/api/admin/units", h))["items"]
    assert {u["code"] for u in units} >= {"CITY", "D01", "D01S01C01"}
    created = await call(
        client,
        "POST",
        "/api/admin/units",
        h,
        {"code": "D02", "name": "云山区", "kind": "district", "parent_id": city.platform},
        201,
    )
    assert created["level"] == 2 and created["kind_label"] == "区县"

    for body, status, code in [
        (
            {"code": "D03", "name": "x", "kind": "community", "parent_id": city.platform},
            422,
            "invalid_unit_kind",
        ),
        (
            {"code": "D02", "name": "x", "kind": "district", "parent_id": city.platform},
            409,
            "unit_code_taken",
        ),
        (
            {"code": "d 3", "name": "x", "kind": "district", "parent_id": city.platform},
            422,
            "invalid_unit_code",
        ),
        ({"code": "D03", "name": "x", "kind": "district", "parent_id": 99999}, 404, "unknown_unit"),
        ({"code": "D03", "name": "x", "kind": "district", "parent_id": "1"}, 422, "invalid_fields"),
        ({"code": "D03", "name": "", "kind": "district", "parent_id": city.platform}, 422, "invalid_fields"),
        ({"code": "D03", "kind": "district", "colour": "red"}, 422, "unknown_fields"),
    ]:
        error = await call(client, "POST", "/api/admin/units", h, body, status)
        assert error["error"]["code"] == code

    renamed = await call(client, "PATCH", f"/api/admin/units/{created['id']}", h, {"name": "云山新区"})
    assert renamed["name"] == "云山新区"
    refused = await call(client, "PATCH", f"/api/admin/units/{city.street}", h, {"active": False}, 409)
    assert refused["error"]["code"] == "unit_has_active_children"  # 柳湾社区 is still active
    refused = await call(client, "PATCH", f"/api/admin/units/{city.community}", h, {"active": False}, 409)
    assert refused["error"]["code"] == "unit_has_active_users"

    entries = await audit(client, entity="org_unit")
    assert [(e["action"], e["entity_id"]) for e in entries] == [
        ("update", str(created["id"])),
        ("create", str(created["id"])),
    ]
    assert entries[0]["before"]["name"] == "云山区" and entries[0]["after"]["name"] == "云山新区"
    assert entries[0]["actor"] == "管理员" and entries[0]["created_at"].endswith("+08:00")
    street = [
        u for u in (await call(client, "GET", "/api/admin/units", h))["items"] if u["id"] == city.street
    ]
    assert street[0]["active"] is True  # the refused change changed nothing


async def test_users_are_created_disabled_enabled_and_given_new_passwords(client, admin, city):
    h = await as_admin(client)
    created = await call(
        client,
        "POST",
        "/api/admin/users",
        h,
        {"username": "li.na", "role": "agent", "unit_code": "CITY", "display_name": "李娜"},
        201,
    )
    generated = created["password"]
    assert generated and created["role_label"] == "话务员"
    assert not any("password" in str(e["after"]) for e in await audit(client, entity="user"))

    client.session.cookie_jar.clear()
    assert (
        await client.post("/api/session", json={"username": "li.na", "password": generated})
    ).status == 200

    h = await as_admin(client)
    user_id = created["id"]
    assert (await call(client, "PATCH", f"/api/admin/users/{user_id}", h, {"active": False}))[
        "active"
    ] is False
    client.session.cookie_jar.clear()
    assert (
        await client.post("/api/session", json={"username": "li.na", "password": generated})
    ).status == 401

    h = await as_admin(client)
    await call(client, "PATCH", f"/api/admin/users/{user_id}", h, {"active": True})
    reset = await call(
        client, "POST", f"/api/admin/users/{user_id}/password", h, {"password": "another-pass-1"}
    )
    assert reset == {"username": "li.na", "password": None}
    weak = await call(client, "POST", f"/api/admin/users/{user_id}/password", h, {"password": "short"}, 422)
    assert weak["error"]["code"] == "weak_password"
    mine = await call(client, "GET", "/api/session", h)
    own = await call(client, "PATCH", f"/api/admin/users/{mine['user']['id']}", h, {"active": False}, 422)
    assert own["error"]["code"] == "cannot_disable_self"
    for body, code in [
        ({"username": "Li Na", "role": "agent", "unit_code": "CITY"}, "invalid_username"),
        ({"username": "x1", "role": "boss", "unit_code": "CITY"}, "invalid_role"),
        ({"username": "li.na", "role": "agent", "unit_code": "CITY"}, "username_taken"),
    ]:
        assert (await client.post("/api/admin/users", json=body, headers=h)).status in (409, 422)
        assert code in await (await client.post("/api/admin/users", json=body, headers=h)).text()

    client.session.cookie_jar.clear()
    assert (
        await client.post("/api/session", json={"username": "li.na", "password": generated})
    ).status == 401
    ok = await client.post("/api/session", json={"username": "li.na", "password": "another-pass-1"})
    assert ok.status == 200
    h = await as_admin(client)
    actions = [e["action"] for e in await audit(client, entity="user", entity_id=user_id)]
    assert actions == ["reset_password", "update", "update", "create"]  # failures left no entry


async def test_category_catalogue_follows_the_six_digit_code(client, admin):
    h = await as_admin(client)
    await call(client, "POST", "/api/admin/categories", h, {"code": "010000", "name": "城乡建设"}, 201)
    child = await call(
        client, "POST", "/api/admin/categories", h, {"code": "010100", "name": "市政设施"}, 201
    )
    leaf = await call(client, "POST", "/api/admin/categories", h, {"code": "010101", "name": "道路破损"}, 201)
    assert (child["level"], child["parent_code"], leaf["level"], leaf["parent_code"]) == (
        2,
        "010000",
        3,
        "010100",
    )
    for body, code in [
        ({"code": "0101", "name": "x"}, "invalid_category_code"),
        ({"code": "020100", "name": "x"}, "unknown_parent_category"),
        ({"code": "010001", "name": "x"}, "invalid_category_code"),
        ({"code": "010101", "name": "x"}, "category_code_taken"),
    ]:
        response = await client.post("/api/admin/categories", json=body, headers=h)
        assert (await response.json())["error"]["code"] == code
    refused = await call(client, "PATCH", "/api/admin/categories/010100", h, {"active": False}, 409)
    assert refused["error"]["code"] == "category_has_active_children"
    await call(client, "PATCH", "/api/admin/categories/010101", h, {"active": False, "name": "道路损坏"})
    items = (await call(client, "GET", "/api/admin/categories", h))["items"]
    assert [(c["code"], c["name"], c["active"]) for c in items][-1] == ("010101", "道路损坏", False)
    assert await call(client, "PATCH", "/api/admin/categories/999999", h, {"name": "x"}, 404)


async def test_rules_policy_and_calendar(client, admin, web_db):
    h = await as_admin(client)
    await call(client, "POST", "/api/admin/categories", h, {"code": "010000", "name": "城乡建设"}, 201)
    rule = await call(
        client,
        "POST",
        "/api/admin/rules",
        h,
        {"category_prefix": "01", "unit_code": "C01", "priority": 5},
        201,
    )
    assert rule["priority"] == 5
    bad = await call(client, "POST", "/api/admin/rules", h, {"category_prefix": "1", "unit_code": "C01"}, 422)
    assert bad["error"]["code"] == "invalid_category_prefix"
    assert (await call(client, "PATCH", f"/api/admin/rules/{rule['id']}", h, {"active": False}))[
        "active"
    ] is False
    assert len((await call(client, "GET", "/api/admin/rules", h))["items"]) == 1

    limit = await call(
        client, "PUT", "/api/admin/policy/limits/normal/reply", h, {"amount": 3, "unit": "working_days"}
    )
    assert limit == {"grade": "normal", "stage": "reply", "amount": 3, "unit": "working_days"}
    bad = await call(
        client, "PUT", "/api/admin/policy/limits/normal/reply", h, {"amount": 3, "unit": "weeks"}, 422
    )
    assert bad["error"]["code"] == "invalid_sla_policy"
    await call(client, "PUT", "/api/admin/policy/settings/warning_share", h, {"value": 0.7})
    assert await call(client, "PUT", "/api/admin/policy/settings/warning_share", h, {"value": 2}, 422)
    assert await call(client, "PUT", "/api/admin/policy/settings/nonsense", h, {"value": 1}, 404)
    policy = await call(client, "GET", "/api/admin/policy", h)
    reply = next(x for x in policy["limits"] if (x["grade"], x["stage"]) == ("normal", "reply"))
    assert (reply["amount"], reply["default"]) == (3, False)
    share = next(x for x in policy["settings"] if x["key"] == "warning_share")
    assert share["value"] == 0.7

    from dispatch.context import dispatch_context

    with dispatch_context(web_db) as ctx:  # the workflow uses the new numbers at once
        assert ctx.policy.limit("normal", "reply").amount == 3

    day = await call(
        client, "PUT", "/api/admin/calendar/2027-02-06", h, {"is_workday": True, "name": "调休上班"}
    )
    assert day == {"day": "2027-02-06", "is_workday": True, "name": "调休上班", "source": "admin"}
    assert await call(client, "PUT", "/api/admin/calendar/2027-02-30", h, {"is_workday": True}, 422)
    year = await call(client, "GET", "/api/admin/calendar?year=2027", h)
    assert year["items"] == [day]
    entries = await audit(client)
    assert [e["entity"] for e in entries[:4]] == [
        "calendar_day",
        "policy_setting",
        "sla_policy",
        "dispatch_rule",
    ]
    assert entries[2]["before"]["amount"] == 5 and entries[2]["after"]["amount"] == 3


async def test_knowledge_articles_carry_the_service_guide(client, admin):
    h = await as_admin(client)
    body = {
        "title": "居住证办理",
        "summary": "在本市居住半年以上可申领居住证。",
        "materials": "身份证、居住证明",
        "time_limit": "15个工作日",
        "place": "各派出所户籍窗口",
        "phone": "12345",
        "fees": "免费",
        "faq": [{"q": "需要本人到场吗？", "a": "首次申领须本人到场。"}],
        "keywords": "居住证 暂住证",
    }
    article = await call(client, "POST", "/api/admin/knowledge", h, body, 201)
    for bad, code in [
        ({"title": ""}, "title_required"),
        ({"faq": [{"q": "x"}]}, "invalid_faq"),
        ({"category_code": "999999"}, "unknown_category"),
        ({"size": 1}, "unknown_fields"),
    ]:
        response = await client.post("/api/admin/knowledge", json={"title": "x", **bad}, headers=h)
        assert (await response.json())["error"]["code"] == code
    public = await (await client.get(f"/api/knowledge/{article['id']}")).json()
    assert public["time_limit"] == "15个工作日" and public["faq"][0]["a"] == "首次申领须本人到场。"
    found = await (await client.get("/api/knowledge?q=居住证怎么办")).json()
    assert [a["id"] for a in found["items"]] == [article["id"]]

    await call(
        client, "PATCH", f"/api/admin/knowledge/{article['id']}", h, {"fees": "不收费", "active": False}
    )
    assert (await client.get(f"/api/knowledge/{article['id']}")).status == 404
    listed = (await call(client, "GET", "/api/admin/knowledge", h))["items"]
    assert listed[0]["fees"] == "不收费" and listed[0]["active"] is False
    (entry, _) = await audit(client, entity="kb_article")
    assert entry["before"]["fees"] == "免费" and entry["after"]["fees"] == "不收费"


async def test_a_password_reset_ends_the_users_open_sessions(client, admin, city):
    await login(client, "district")
    stolen = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hotline_session"].value
    h = await as_admin(client)
    reset = f"/api/admin/users/{admin['district']}/password"
    await call(client, "POST", reset, h, {"password": "new-pass-123"})
    admin_session = await call(client, "GET", "/api/session", h)
    assert admin_session["user"]["role"] == "admin"  # the admin's own session is untouched

    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"hotline_session": stolen}, response_url=client.make_url("/"))
    assert (await client.get("/api/session")).status == 401
    assert (await client.get("/api/tickets")).status == 401
    await login(client, "district", "new-pass-123")
    assert (await call(client, "GET", "/api/session", {}))["user"]["unit_id"] == city.district
