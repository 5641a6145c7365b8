"""Login, sessions, CSRF and lockout over real HTTP."""

from __future__ import annotations

from tests.web.conftest import login


async def test_login_whoami_logout(client, city):
    assert (await client.get("/api/session")).status == 401
    csrf = await login(client, "district")
    me = await (await client.get("/api/session")).json()
    assert me["user"]["role"] == "dispatcher" and me["user"]["unit_id"] == city.district
    assert me["csrf_token"] == csrf
    assert (await client.delete("/api/session")).status == 403  # no CSRF token: refused
    assert (await client.delete("/api/session", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await client.get("/api/session")).status == 401


async def test_a_new_session_token_at_every_login(client, city):
    await login(client, "district")
    first = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hotline_session"].value
    await login(client, "district")
    second = client.session.cookie_jar.filter_cookies(client.make_url("/"))["hotline_session"].value
    assert first != second
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"hotline_session": first}, response_url=client.make_url("/"))
    assert (await client.get("/api/session")).status == 401  # the old one is dead


async def test_wrong_password_and_unknown_user_look_the_same_then_lockout(client, city):
    for _ in range(4):
        response = await client.post("/api/session", json={"username": "street", "password": "wrong"})
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "bad_credentials"
    unknown = await client.post("/api/session", json={"username": "nobody", "password": "wrong"})
    assert (await unknown.json())["error"] == {"code": "bad_credentials", "message": "用户名或密码错误"}
    fifth = await client.post("/api/session", json={"username": "street", "password": "wrong"})
    assert fifth.status == 401
    locked = await client.post("/api/session", json={"username": "street", "password": "password-123"})
    assert locked.status == 423 and (await locked.json())["error"]["code"] == "account_locked"


async def test_bad_login_bodies_get_clear_errors(client, city):
    for body in ("not json", "{}", '{"username": "x"}'):
        response = await client.post("/api/session", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 422
        assert (await response.json())["error"]["code"] == "credentials_required"
    assert (await client.get("/api/nothing-here")).status == 404
    assert (await (await client.get("/api/nothing-here")).json())["error"]["code"] == "not_found"
