"""The ticket API over real HTTP: intake, the workflow, scoping (404 outside one's unit), masking."""

from __future__ import annotations

from tests.web.conftest import login

CALL = {
    "content": "柳湾社区3号楼下水道堵塞，污水外溢。",
    "contact_phone": "13812345678",
    "contact_name": "王先生",
    "ticket_type": "help",
    "area_code": "D01S01C01",
    "idempotency_key": "call-1",
}


async def as_user(client, username: str) -> dict:
    client.session.cookie_jar.clear()
    return {"X-CSRF-Token": await login(client, username)}


async def test_agent_registers_and_the_ticket_flows_down_with_scoping(client, city):
    headers = await as_user(client, "agent")
    created = await client.post("/api/tickets", json=CALL, headers=headers)
    assert created.status == 201, await created.text()
    ticket = (await created.json())["id"]
    again = await client.post("/api/tickets", json=CALL, headers=headers)
    assert again.status == 200 and (await again.json())["id"] == ticket  # idempotent retry
    page = await (await client.get(f"/api/tickets/{ticket}")).json()
    assert page["ticket"]["contact_phone"] == "+8613812345678"  # agents see the number

    headers = await as_user(client, "city")
    page = await (await client.get(f"/api/tickets/{ticket}")).json()
    assert page["ticket"]["contact_phone"] == "138****5678"  # everyone else sees it masked
    response = await client.post(
        f"/api/tickets/{ticket}/actions/dispatch", json={"unit_id": city.district}, headers=headers
    )
    assert response.status == 200, await response.text()
    lead = (await response.json())["assignments"][-1]
    assert lead["unit_id"] == city.district and lead["status"] == "pending"

    headers = await as_user(client, "other_street")
    assert (await client.get(f"/api/tickets/{ticket}")).status == 404
    assert (await (await client.get("/api/tickets")).json())["total"] == 0
    refused = await client.post(
        f"/api/tickets/{ticket}/actions/sign", json={"assignment_id": lead["id"]}, headers=headers
    )
    assert refused.status == 404

    headers = await as_user(client, "district")
    listing = await (await client.get("/api/tickets?status=dispatched")).json()
    assert [t["id"] for t in listing["items"]] == [ticket]
    signed = await client.post(
        f"/api/tickets/{ticket}/actions/sign", json={"assignment_id": lead["id"]}, headers=headers
    )
    page = await signed.json()
    assert page["ticket"]["status"] == "in_progress"
    assert [e["action"] for e in page["events"]] == ["register", "dispatch", "sign"]
    assert page["events"][0]["created_at"].endswith("+08:00")


async def test_bad_requests_get_stable_codes_and_change_nothing(client, city):
    headers = await as_user(client, "agent")
    cases = [
        ({"content": ""}, 422, "content_required"),
        ({"content": "x", "contact_phone": "12345"}, 422, "invalid_phone"),
        ({"content": "x", "colour": "red"}, 422, "unknown_fields"),
        ({"content": "x", "category_code": "999999"}, 422, "unknown_category"),
    ]
    for body, status, code in cases:
        response = await client.post("/api/tickets", json=body, headers=headers)
        assert (response.status, (await response.json())["error"]["code"]) == (status, code)
    response = await client.post(
        "/api/tickets", data="[1, 2]", headers={**headers, "Content-Type": "application/json"}
    )
    assert (await response.json())["error"]["code"] == "invalid_json"
    no_csrf = await client.post("/api/tickets", json={"content": "x"})
    assert no_csrf.status == 403 and (await no_csrf.json())["error"]["code"] == "csrf_failed"
    assert (await (await client.get("/api/tickets")).json())["total"] == 0
    assert (await client.get("/api/tickets?per_page=1000")).status == 422
    assert (await client.get("/api/tickets/abc")).status == 404

    headers = await as_user(client, "community")
    forbidden = await client.post("/api/tickets", json={"content": "x"}, headers=headers)
    assert forbidden.status == 403
