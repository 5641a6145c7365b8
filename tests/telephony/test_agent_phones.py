"""Agents' phones register at the Kamailio edge with their own digest credentials, and the ACD rings
them there: an agent whose phone is not registered is skipped (480) and goes not-ready, the next
ready agent's registered phone takes the call."""

from __future__ import annotations

from pathlib import Path

from hotline.config import load_settings
from hotline.telephony_setup import sync_phone_directory
from tests.dispatch.conftest import add_user, build_city
from tests.support.ports import free_port
from tests.telephony.conftest import events_until
from tests.telephony.sip_tools import HERE, Sipp, agent_scenario, caller_scenario, start_sipp
from ticketing.call_bus import AgentState, agent_state, set_agent_state
from ticketing.phone_accounts import set_phone_password

REALM = "hotline"


def register(
    folder: Path,
    edge_port: int,
    username: str,
    password: str,
    contact_port: int,
    *,
    expected: str = "200",
    auth_user: str | None = None,
) -> Sipp:
    """A phone registering `username` with its Contact at `contact_port` (where the phone's sipp
    answers calls); `expected` is the final answer the edge must give."""
    text = (HERE / "register.xml").read_text()
    for key, value in {
        "{username}": username,
        "{auth_user}": auth_user or username,
        "{password}": password,
        "{contact_port}": str(contact_port),
        "{expires}": "300",
        "{expected}": expected,
    }.items():
        text = text.replace(key, value)
    scenario = folder / f"register-{username}-{expected}.xml"
    scenario.write_text(text)
    return start_sipp(scenario, folder, target=f"127.0.0.1:{edge_port}")


def test_registered_phone_is_rung_through_the_edge(line_env, workers, edge, bus, sqlite_db, tmp_path):
    env = {**line_env, "HOTLINE_SIP_PORT": str(free_port()), "HOTLINE_TELEPHONY_WORKERS": "1"}
    settings = load_settings(environ=env)
    city = build_city(sqlite_db)
    for username in ("desk8", "desk9"):
        add_user(sqlite_db, username, "agent", city.platform)
    with sqlite_db.session() as session:
        passwords = {u: set_phone_password(session, u, REALM) for u in ("desk8", "desk9")}
    workers(env)
    config = edge(env)
    assert sync_phone_directory(settings, sqlite_db) == 2  # a running edge re-reads its subscribers

    phone = start_sipp(agent_scenario(tmp_path, ring_ms=300), tmp_path, echo=True)
    refused = [
        register(tmp_path, config.port, "desk9", "wrong-password", phone.port, expected="401"),
        # desk8's credentials cannot register desk9's phone
        register(
            tmp_path, config.port, "desk9", passwords["desk8"], phone.port, expected="403", auth_user="desk8"
        ),
    ]
    for attempt in refused:
        assert attempt.wait(20) == 0, attempt.output()[-2000:]
    registered = register(tmp_path, config.port, "desk9", passwords["desk9"], phone.port)
    assert registered.wait(20) == 0, registered.output()[-2000:]

    # desk8 waits longest but never registered a phone; desk9's is registered. Neither has a SIP URI.
    set_agent_state(bus, "desk8", AgentState.READY, sip_uri="")
    set_agent_state(bus, "desk9", AgentState.READY, sip_uri="")
    caller = start_sipp(caller_scenario(tmp_path, talk_ms=3000), tmp_path, target=f"127.0.0.1:{config.port}")
    assert caller.wait(40) == 0, caller.output()[-2000:]
    assert phone.wait(20) == 0, phone.output()[-2000:]

    events = events_until(bus, "ended")
    offered = [e["agent"] for e in events if e["kind"] == "offered"]
    answered = [e["agent"] for e in events if e["kind"] == "answered"]
    assert offered == ["desk8", "desk9"] and answered == ["desk9"], [e["kind"] for e in events]
    assert agent_state(bus, "desk8")["state"] == AgentState.NOT_READY.value  # rang out: not ready
    assert "phone desk8 is not registered" in (tmp_path / "kamailio.log").read_text(errors="replace")
