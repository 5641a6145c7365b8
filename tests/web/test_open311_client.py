"""Third-party Open311 clients from PyPI as consumers of the real app, served on a real port.

- `georeport` (GeoReport v2 reader, requests + xmltodict): services, definitions and requests in
  JSON and in XML. It cannot POST ("does not currently support the creation of new 311 service
  requests"), so:
- `civicbot` (its `Open311Client`, stdlib urllib) files the request (form-encoded POST, validated
  against our service list first), reads it back and resolves its token.

Both are blocking HTTP clients: the app runs in a thread with its own event loop, as `hotline web`
would serve it, and the test talks to it over TCP.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport
from sqlalchemy import select

from tests.web.test_open311 import add_catalogue
from ticketing.api_keys import issue_key
from ticketing.models import Ticket
from web.app import create_app


@pytest.fixture
def live_url(web_db, city, redis_url, tmp_path) -> Iterator[str]:
    add_catalogue(web_db)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # the kernel picks the port and we keep it: no race for a free one
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(web_db, redis_url, tmp_path))
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="open311-app", daemon=True)
    thread.start()
    assert ready.wait(15), "the app did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/open311/v2"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(15)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(15)
    loop.close()
    sock.close()


def civic_client(base_url: str) -> Open311Client:
    endpoint = Endpoint(id="yunzhou-12345", name="云州市12345热线", base_url=base_url, write=True)
    # Its default politeness delay (0.5 s per call to one host) is for public servers, not this test.
    return Open311Client(endpoint, HttpTransport(rate_limiter=RateLimiter(min_interval=0)))


def test_third_party_clients_file_and_track_a_request(live_url, web_db):
    with web_db.session() as s:
        key = issue_key(s, "civicbot")
    civic = civic_client(live_url)
    filed = civic.create_request(
        "020101",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=key,
        validate_remote=True,  # it checks the code against our GET services first
        lat=30.2741,
        lng=120.1551,
        address_string="滨江路 18 号",
        description="滨江路 18 号门口路面塌陷，请尽快处理。",
        first_name="小明",
        last_name="王",
        phone="13812345678",
    )
    [created] = filed.response
    number = created["service_request_id"]
    with web_db.read_session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.channel == "open311" and ticket.contact_name == "王小明"
    assert civic.get_request(number)["status"] == "open"
    assert [r["service_request_id"] for r in civic.list_requests(service_request_ids=[number])] == [number]
    assert civic.get_token(number) == [{"service_request_id": number, "token": number}]

    with pytest.raises(HttpError) as refused:
        civic.create_request(
            "020101",
            dry_run=False,
            confirm=CONFIRM_TOKEN,
            api_key="stolen",
            lat=30.0,
            lng=120.0,
            description="无效密钥",
        )
    assert refused.value.status == 403
    assert json.loads(refused.value.body)[0]["error_code"] == "invalid_api_key"

    for fmt in ("json", "xml"):
        reader = GeoReport(live_url, output_format=fmt)
        services = reader.get_service_list()
        assert [s["service_code"] for s in services] == ["010101", "020101"]
        assert services[1]["group"] == "交通运输"
        assert reader.get_service_definition("020101")["service_code"] == "020101"
        request = reader.get_service_request(number)
        assert request["service_request_id"] == number and request["status"] == "open"
        assert request["status_notes"] == "已受理" and request["agency_responsible"] == "云州市12345热线"
        listed = reader.get_service_requests(service_code="020101", status="open")
        listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is no list
        assert [r["service_request_id"] for r in listed] == [number]
        assert "王小明" not in json.dumps(listed, ensure_ascii=False)
