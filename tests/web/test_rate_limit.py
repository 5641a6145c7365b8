"""Rate limits over real HTTP with a real redis-server: shared by every web process, per client IP,
429 with Retry-After and a Chinese message in the shape each caller expects."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from hotline.config import ConfigError, load_settings
from tests.support.ports import free_port
from tests.web.conftest import login
from tests.web.test_open311 import add_catalogue
from tests.web.test_public import REQUEST, form_token
from ticketing.api_keys import issue_key
from ticketing.models import Ticket
from web.app import create_app
from web.rate_limit import Limit, RateLimits

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refused_properly(response, body: str, window_s: int = 60) -> None:
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= window_s
    assert "请求过于频繁" in body and CHINESE.search(body)


async def test_public_limit_is_shared_by_all_web_processes(aiohttp_client, web_db, city, redis_url, tmp_path):
    limits = RateLimits(public=Limit(3, 60))
    first = await aiohttp_client(create_app(web_db, redis_url, tmp_path, limits))
    second = await aiohttp_client(create_app(web_db, redis_url, tmp_path, limits))
    for client in (first, second, first):
        assert (await client.get("/api/public/tickets")).status == 200
    refused = await second.get("/api/public/tickets")
    body = await refused.json()
    refused_properly(refused, body["error"]["message"])
    assert body["error"]["code"] == "rate_limited"
    page = await first.get("/public/tickets")  # a person at a browser gets a page
    assert page.headers["Content-Type"].startswith("text/html")
    refused_properly(page, await page.text())
    # Static assets and everything behind a login are not counted here.
    assert (await first.get("/public/static/public.css")).status == 200
    await login(first, "city")
    assert (await first.get("/api/tickets")).status == 200


async def test_each_client_address_has_its_own_count_behind_a_trusted_proxy(
    aiohttp_client, web_db, city, redis_url, tmp_path
):
    behind_proxy = await aiohttp_client(
        create_app(web_db, redis_url, tmp_path, RateLimits(public=Limit(1, 60), forwarded_hops=1))
    )
    for address in ("203.0.113.7", "203.0.113.8"):
        headers = {"X-Forwarded-For": f"198.51.100.1, {address}"}
        assert (await behind_proxy.get("/api/public/districts", headers=headers)).status == 200
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert (await behind_proxy.get("/api/public/districts", headers=headers)).status == 429
    # One IPv6 client is its /64: rotating the interface id does not buy more requests.
    for address, status in (("2001:db8:1:2::1", 200), ("2001:db8:1:2::ffff", 429)):
        response = await behind_proxy.get("/api/public/districts", headers={"X-Forwarded-For": address})
        assert response.status == status


async def test_without_a_trusted_proxy_a_forged_header_buys_nothing(
    aiohttp_client, web_db, city, redis_url, tmp_path
):
    direct = await aiohttp_client(create_app(web_db, redis_url, tmp_path, RateLimits(public=Limit(1, 60))))
    assert (
        await direct.get("/api/public/districts", headers={"X-Forwarded-For": "203.0.113.1"})
    ).status == 200
    response = await direct.get("/api/public/districts", headers={"X-Forwarded-For": "203.0.113.2"})
    assert response.status == 429


async def test_login_is_limited_per_address(aiohttp_client, web_db, city, redis_url, tmp_path):
    client = await aiohttp_client(create_app(web_db, redis_url, tmp_path, RateLimits(login=Limit(2, 60))))
    for username in ("city", "agent"):
        assert (
            await client.post("/api/session", json={"username": username, "password": "wrong"})
        ).status == 401
    refused = await client.post("/api/session", json={"username": "district", "password": "password-123"})
    body = await refused.json()
    refused_properly(refused, body["error"]["message"])
    assert body["error"]["details"]["retry_after"] == int(refused.headers["Retry-After"])


async def test_open311_posts_are_limited_and_answered_as_georeport(
    aiohttp_client, web_db, city, redis_url, tmp_path
):
    add_catalogue(web_db)
    with web_db.session() as s:
        key = issue_key(s, "随手拍")
    client = await aiohttp_client(
        create_app(web_db, redis_url, tmp_path, RateLimits(open311_post=Limit(1, 60)))
    )
    form = {
        "api_key": key,
        "service_code": "020101",
        "lat": "30.27",
        "long": "120.15",
        "description": "路面塌陷",
    }
    assert (await client.post("/open311/v2/requests.json", data=form)).status == 201
    refused = await client.post("/open311/v2/requests.xml", data=form)
    text = await refused.text()
    refused_properly(refused, text)
    assert text.startswith("<?xml") and "<code>429</code>" in text
    assert (await client.get("/open311/v2/requests.json")).status == 200  # reads are not POSTs
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_public_submissions_and_lookups_have_their_own_tighter_limits(
    aiohttp_client, web_db, city, redis_url, tmp_path
):
    limits = RateLimits(public_submit=Limit(1, 3600), public_lookup=Limit(2, 60))
    client = await aiohttp_client(create_app(web_db, redis_url, tmp_path, limits))
    assert (
        await client.post("/api/public/requests", json={**REQUEST, "form_token": await form_token(client)})
    ).status == 201
    refused = await client.post(
        "/api/public/requests", json={**REQUEST, "form_token": await form_token(client)}
    )
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 60
    guess = {"number": "20990101000001", "phone_last4": "0000"}
    statuses = [(await client.post("/api/public/lookup", json=guess)).status for _ in range(3)]
    assert statuses == [404, 404, 429]
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_a_window_ends(aiohttp_client, web_db, city, redis_url, tmp_path):
    client = await aiohttp_client(create_app(web_db, redis_url, tmp_path, RateLimits(public=Limit(1, 1))))
    assert (await client.get("/api/public/districts")).status == 200
    statuses = []
    for _ in range(15):  # 1.5 s: the one-second window must have ended in between
        statuses.append((await client.get("/api/public/districts")).status)
        await asyncio.sleep(0.1)
    assert 429 in statuses and 200 in statuses[statuses.index(429) :]  # refused, then allowed again


async def test_without_redis_the_public_pages_stay_up(aiohttp_client, web_db, city, tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client = await aiohttp_client(create_app(web_db, dead, tmp_path, RateLimits(public=Limit(1, 60))))
    for _ in range(3):
        assert (await client.get("/api/public/tickets")).status == 200


def test_limits_are_settings():
    settings = load_settings(
        environ={"HOTLINE_RATE_LOGIN_PER_MINUTE": "5", "HOTLINE_WEB_FORWARDED_HOPS": "1"}
    )
    assert (settings.rate_login_per_minute, settings.web_forwarded_hops, settings.rate_submit_per_hour) == (
        5,
        1,
        20,
    )
    with pytest.raises(ConfigError, match="rate_lookup_per_minute"):
        load_settings(environ={"HOTLINE_RATE_LOOKUP_PER_MINUTE": "-1"})


async def test_retry_after_is_when_the_oldest_counted_request_leaves_the_window(redis_url):
    import redis.asyncio as aioredis

    from web.rate_limit import RateLimiter

    now = [60 * 1_000_000 + 45.5]  # 45.5 s into a clock minute
    client = aioredis.Redis.from_url(redis_url)
    limiter = RateLimiter(client, clock=lambda: now[0])
    limit = Limit(2, 60)
    try:
        assert await limiter.retry_after("public", "203.0.113.9", limit) is None
        now[0] += 10  # past the clock minute: a fixed window would start counting again here
        assert await limiter.retry_after("public", "203.0.113.9", limit) is None
        assert await limiter.retry_after("public", "203.0.113.9", limit) == 50
        assert await limiter.retry_after("public", "203.0.113.10", limit) is None  # another client
        now[0] += 49.9  # refused requests were not counted: the first one leaves the window now
        assert await limiter.retry_after("public", "203.0.113.9", limit) == 1
        now[0] += 0.2
        assert await limiter.retry_after("public", "203.0.113.9", limit) is None
        assert await limiter.retry_after("public", "203.0.113.9", limit) == 10
        assert 0 < await client.ttl("hotline:ratelimit:public:203.0.113.9") <= 60
    finally:
        await client.aclose()


async def test_look_up_failures_count_without_being_let_through(redis_url):
    import redis.asyncio as aioredis

    from web.rate_limit import RateLimiter

    client = aioredis.Redis.from_url(redis_url)
    limiter = RateLimiter(client, clock=lambda: 1_000.0)
    try:
        assert await limiter.used_up("failures", "20990101000001", Limit(2, 3600)) is None
        for _ in range(2):
            await limiter.count("failures", "20990101000001", Limit(2, 3600))
        assert await limiter.used_up("failures", "20990101000001", Limit(2, 3600)) == 3600
        assert await client.zcard("hotline:ratelimit:failures:20990101000001") == 2  # used_up counts nothing
    finally:
        await client.aclose()


async def test_guessing_one_tickets_digits_from_many_addresses_is_stopped(
    aiohttp_client, web_db, city, redis_url, tmp_path
):
    from ticketing.intake import submit
    from ticketing.submission import Submission

    number = submit(
        web_db, Submission(channel="phone_agent", content="路灯", contact_phone="13812345678")
    ).number
    limits = RateLimits(public_lookup=Limit(0, 60), lookup_failures=Limit(2, 3600), forwarded_hops=1)
    client = await aiohttp_client(create_app(web_db, redis_url, tmp_path, limits))

    async def guess(ticket: str, last4: str, address: str):
        headers = {"X-Forwarded-For": address}
        return await client.post(
            "/api/public/lookup", json={"number": ticket, "phone_last4": last4}, headers=headers
        )

    assert [(await guess(number, d, f"203.0.113.{d[-1]}")).status for d in ("0001", "0002")] == [404, 404]
    blocked = await guess(number, "5678", "198.51.100.9")  # even the right digits, from a new address
    refused_properly(blocked, (await blocked.json())["error"]["message"], window_s=3600)
    page = await client.post("/public/lookup", data={"number": number, "phone_last4": "5678"})
    assert page.status == 429 and "请求过于频繁" in await page.text()
    # A number that does not exist has the same budget, so a 429 says nothing about existence.
    missing = "20990101000001"
    assert [(await guess(missing, "0000", "203.0.113.50")).status for _ in range(3)] == [404, 404, 429]
    other = submit(
        web_db, Submission(channel="phone_agent", content="噪音", contact_phone="13900001111")
    ).number
    assert (await guess(other, "1111", "203.0.113.1")).status == 200  # other tickets are unaffected
