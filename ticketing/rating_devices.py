"""Service halls, their windows and the rating devices (评价器) registered to them.

A device authenticates with a bearer token issued once by an admin and stored only as its SHA-256
(the token is random, like an API key: a fast hash is enough). Revoking a device makes its token
useless at once; the device's evaluations stay.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.api_keys import MAX_KEY_CHARS, hash_key
from ticketing.errors import Conflict, HotlineError, InvalidInput, NotFound
from ticketing.models import OrgUnit, RatingDevice, ServiceHall, ServiceWindow, User, utcnow

TOKEN_BYTES = 32
PREFIX_CHARS = 8
MAX_NAME_CHARS = 100


def clean_name(value: object, what: str, code: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise InvalidInput(f"{what}不能为空", code=code)
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"{what}过长：最多 {MAX_NAME_CHARS} 字", code=code)
    return name


def _active_unit(session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not unit.active:
        raise NotFound(f"单位不存在或已停用：{unit_id}", code="unknown_unit")
    return unit


def add_hall(session: Session, name: str, unit_id: int, address: str | None = None) -> ServiceHall:
    name = clean_name(name, "大厅名称", "hall_name_invalid")
    _active_unit(session, unit_id)
    if session.execute(select(ServiceHall.id).where(ServiceHall.name == name)).first():
        raise Conflict(f"大厅已存在：{name}", code="hall_name_taken")
    hall = ServiceHall(name=name, unit_id=unit_id, address=address, active=True)
    session.add(hall)
    session.flush()
    return hall


def add_window(session: Session, hall_id: int, name: str, unit_id: int) -> ServiceWindow:
    name = clean_name(name, "窗口名称", "window_name_invalid")
    if session.get(ServiceHall, hall_id) is None:
        raise NotFound(f"大厅不存在：{hall_id}", code="hall_not_found")
    _active_unit(session, unit_id)
    taken = session.execute(
        select(ServiceWindow.id).where(ServiceWindow.hall_id == hall_id, ServiceWindow.name == name)
    ).first()
    if taken:
        raise Conflict(f"该大厅已有窗口：{name}", code="window_name_taken")
    window = ServiceWindow(hall_id=hall_id, name=name, unit_id=unit_id, active=True)
    session.add(window)
    session.flush()
    return window


def register_device(
    session: Session,
    name: str,
    window_id: int,
    *,
    staff_user_id: int | None = None,
    now: datetime | None = None,
) -> tuple[RatingDevice, str]:
    """A device for a window (hence its hall and unit), optionally one staff member's; returns the
    device and its token, which exists in clear only in this return value."""
    name = clean_name(name, "评价器名称", "device_name_invalid")
    window = session.get(ServiceWindow, window_id)
    if window is None or not window.active:
        raise NotFound(f"窗口不存在或已停用：{window_id}", code="window_not_found")
    if staff_user_id is not None:
        staff = session.get(User, staff_user_id)
        if staff is None or not staff.active:
            raise NotFound(f"工作人员不存在：{staff_user_id}", code="unknown_user")
    if session.execute(select(RatingDevice.id).where(RatingDevice.name == name)).first():
        raise Conflict(f"评价器名称已存在：{name}", code="device_name_taken")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    device = RatingDevice(
        name=name,
        hall_id=window.hall_id,
        window_id=window.id,
        unit_id=window.unit_id,
        staff_user_id=staff_user_id,
        token_hash=hash_key(token),
        token_prefix=token[:PREFIX_CHARS],
        created_at=now or utcnow(),
    )
    session.add(device)
    session.flush()
    return device, token


def revoke_device(session: Session, device_id: int, *, now: datetime | None = None) -> RatingDevice:
    """Revoking twice keeps the first revocation time."""
    device = session.get(RatingDevice, device_id)
    if device is None:
        raise NotFound(f"评价器不存在：{device_id}", code="device_not_found")
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
    return device


def device_for_token(session: Session, token: str) -> RatingDevice | None:
    """The active device holding `token`, or None (unknown, revoked or malformed alike)."""
    if not token or len(token) > MAX_KEY_CHARS:
        return None
    digest = hash_key(token)
    device = session.execute(
        select(RatingDevice).where(RatingDevice.token_hash == digest)
    ).scalar_one_or_none()
    if device is None or device.revoked_at is not None or not hmac.compare_digest(device.token_hash, digest):
        return None
    return device


class DeviceTokenInvalid(HotlineError):
    code = "device_token_invalid"
    http_status = 401


def authenticate_device(session: Session, token: str) -> RatingDevice:
    device = device_for_token(session, token)
    if device is None:
        raise DeviceTokenInvalid("评价器令牌无效或已停用，请联系管理员重新登记")
    return device


def list_devices(session: Session) -> list[RatingDevice]:
    return list(session.execute(select(RatingDevice).order_by(RatingDevice.id)).scalars())


def device_json(device: RatingDevice) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name,
        "hall_id": device.hall_id,
        "window_id": device.window_id,
        "unit_id": device.unit_id,
        "staff_user_id": device.staff_user_id,
        "token_prefix": device.token_prefix,
        "created_at": device.created_at.isoformat(),
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
    }
