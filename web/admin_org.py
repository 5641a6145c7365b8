"""Admin API for the org tree and the users in it."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.operators import Operator
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import OrgUnit, User
from ticketing.org_admin import create_unit, get_unit, unit_json, update_unit
from ticketing.users import add_user, generate_password, list_users, reset_password, set_active, user_json
from web.admin_api import Change, admin_of, change, read
from web.admin_body import Body
from web.request_parsing import path_int

UNIT_FIELDS = ("code", "name", "kind", "parent_id", "phone")
UNIT_EDIT_FIELDS = ("name", "phone", "active")
USER_FIELDS = ("username", "role", "unit_code", "display_name", "sip_uri", "password")
USER_EDIT_FIELDS = ("display_name", "active")


async def list_units(request: web.Request) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        units = session.execute(select(OrgUnit).order_by(OrgUnit.level, OrgUnit.code)).scalars()
        return {"items": [unit_json(u) for u in units]}

    return await read(request, load)


async def post_unit(request: web.Request) -> web.Response:
    admin_of(request)
    body = await Body.read(request, UNIT_FIELDS)
    values = {
        "code": body.text("code", required=True, max_len=32),
        "name": body.text("name", required=True),
        "kind": body.text("kind", required=True, max_len=32),
        "parent_id": body.integer("parent_id"),
        "phone": body.text("phone", max_len=32),
    }

    def work(session: Session, _: Operator) -> Change:
        unit = create_unit(session, **values)
        return Change("create", "org_unit", unit.id, None, unit_json(unit))

    return await change(request, work, status=201)


async def patch_unit(request: web.Request) -> web.Response:
    admin_of(request)
    unit_id = path_int(request, "unit_id", "单位不存在", "unknown_unit")
    body = await Body.read(request, UNIT_EDIT_FIELDS)
    name, phone = body.text("name", required="name" in body), body.text("phone", max_len=32)
    active = body.flag("active")

    def work(session: Session, _: Operator) -> Change:
        unit = get_unit(session, unit_id)
        before = unit_json(unit)
        update_unit(session, unit, name=name, phone=phone, active=active)
        return Change("update", "org_unit", unit.id, before, unit_json(unit))

    return await change(request, work)


def _user(session: Session, user_id: int) -> tuple[User, OrgUnit]:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户不存在：{user_id}", code="unknown_user")
    return user, session.get_one(OrgUnit, user.unit_id)


async def list_users_route(request: web.Request) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        return {"items": [user_json(user, unit) for user, unit in list_users(session)]}

    return await read(request, load)


async def post_user(request: web.Request) -> web.Response:
    admin_of(request)
    body = await Body.read(request, USER_FIELDS)
    username = body.text("username", required=True, max_len=64) or ""
    role = body.text("role", required=True, max_len=32) or ""
    unit_code = body.text("unit_code", required=True, max_len=32) or ""
    display_name, sip_uri = body.text("display_name"), body.text("sip_uri", max_len=255)
    given = body.text("password", max_len=200)

    def work(session: Session, _: Operator) -> Change:
        password = given or generate_password()
        user = add_user(
            session,
            username,
            role=role,
            unit_code=unit_code,
            password=password,
            display_name=display_name,
            sip_uri=sip_uri,
        )
        after = user_json(*_user(session, user.id))
        # A generated password is shown this once, to the admin who created the account.
        return Change(
            "create", "user", user.id, None, after, {**after, "password": None if given else password}
        )

    return await change(request, work, status=201)


async def patch_user(request: web.Request) -> web.Response:
    admin = admin_of(request)
    user_id = path_int(request, "user_id", "用户不存在", "unknown_user")
    body = await Body.read(request, USER_EDIT_FIELDS)
    display_name, active = body.text("display_name", required="display_name" in body), body.flag("active")
    if active is False and user_id == admin.user_id:
        raise InvalidInput("不能停用自己的账号", code="cannot_disable_self")

    def work(session: Session, _: Operator) -> Change:
        user, unit = _user(session, user_id)
        before = user_json(user, unit)
        if display_name is not None:
            user.display_name = display_name
        if active is not None:
            if active and not unit.active:
                raise InvalidInput(f"所在单位已停用：{unit.name}", code="unit_inactive")
            set_active(session, user.username, active)
        session.flush()
        return Change("update", "user", user.id, before, user_json(user, unit))

    return await change(request, work)


async def post_password(request: web.Request) -> web.Response:
    admin_of(request)
    user_id = path_int(request, "user_id", "用户不存在", "unknown_user")
    body = await Body.read(request, ("password",))
    given = body.text("password", max_len=200)

    def work(session: Session, _: Operator) -> Change:
        user, _unit = _user(session, user_id)
        password = given or generate_password()
        reset_password(session, user.username, password)
        # The audit says that it happened, never the password or its hash.
        return Change(
            "reset_password",
            "user",
            user.id,
            None,
            {"username": user.username},
            {"username": user.username, "password": None if given else password},
        )

    return await change(request, work)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/units", list_units)
    app.router.add_post("/api/admin/units", post_unit)
    app.router.add_patch(r"/api/admin/units/{unit_id}", patch_unit)
    app.router.add_get("/api/admin/users", list_users_route)
    app.router.add_post("/api/admin/users", post_user)
    app.router.add_patch(r"/api/admin/users/{user_id}", patch_user)
    app.router.add_post(r"/api/admin/users/{user_id}/password", post_password)
