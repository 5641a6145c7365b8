"""Citizens' numbers leave the server whole only for call agents: ticket JSON, event timelines and
the WebSocket push all go through web.masking."""

from __future__ import annotations

import pytest

from dispatch.operators import Operator
from tests.web.conftest import login
from tests.web.test_live import published_client, receive_until  # noqa: F401 (fixture)
from web.masking import mask_phone, masked_payload, phone_for


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+8613800138000", "138****8000"),
        ("+861012345678", "010****5678"),  # Beijing fixed line
        ("+8675512345678", "0755****5678"),
        ("+16502530000", "+165****0000"),
        ("12345", "***45"),
        ("", None),
        (None, None),
    ],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


def test_only_agents_see_whole_numbers():
    def op(role: str) -> Operator:
        return Operator(1, 1, role, "x", "city_platform")

    assert phone_for(op("agent"), "+8613800138000") == "+8613800138000"
    for role in ("dispatcher", "handler", "supervisor", "leader", "admin", "analyst"):
        assert phone_for(op(role), "+8613800138000") == "138****8000", role
    assert phone_for(None, "+8613800138000") == "138****8000"
    payload = {"contact_phone": "+8613800138000", "caller": "+8613900139000", "note": "x"}
    assert masked_payload(payload, op("leader")) == {
        "contact_phone": "138****8000",
        "caller": "139****9000",
        "note": "x",
    }
    assert masked_payload(payload, op("agent")) == payload


CALL = {"content": "路灯不亮", "contact_phone": "13812345678", "area_code": "D01S01C01"}


async def test_timeline_payloads_are_masked_for_everyone_but_agents(client, city):
    csrf = await login(client, "agent")
    ticket = (await (await client.post("/api/tickets", json=CALL, headers={"X-CSRF-Token": csrf})).json())[
        "id"
    ]
    page = await (await client.get(f"/api/tickets/{ticket}")).json()
    assert page["events"][0]["payload"]["contact_phone"] == "+8613812345678"
    client.session.cookie_jar.clear()
    await login(client, "city")
    page = await (await client.get(f"/api/tickets/{ticket}")).json()
    assert page["ticket"]["contact_phone"] == "138****5678"
    assert page["events"][0]["payload"]["contact_phone"] == "138****5678"
    assert "13812345678" not in str(page)


async def test_websocket_events_are_masked_for_everyone_but_agents(published_client):  # noqa: F811
    from tests.dispatch.conftest import build_city

    client, db = published_client
    build_city(db)
    seen: dict[str, str] = {}
    for username in ("city", "agent"):
        client.session.cookie_jar.clear()
        csrf = await login(client, username)
        ws = await client.ws_connect("/ws")
        await receive_until(ws, lambda m: m["type"] == "caught_up")
        body = {**CALL, "idempotency_key": username}
        assert (await client.post("/api/tickets", json=body, headers={"X-CSRF-Token": csrf})).status == 201
        messages = await receive_until(ws, lambda m: m.get("event", {}).get("action") == "register")
        seen[username] = messages[-1]["event"]["payload"]["contact_phone"]
        await ws.close()
    assert seen == {"city": "138****5678", "agent": "+8613812345678"}
