"""Rating devices for demos and load tests: a demo hall with one window per street (or the platform's
own, in a city without streets), and N devices spread over those windows, each with a fresh token."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import NotFound
from ticketing.models import OrgUnit, ServiceHall, ServiceWindow
from ticketing.rating_devices import add_hall, add_window, register_device
from ticketing.vocabulary import OrgKind

HALL_NAME = "市民服务中心（演示）"
MAX_WINDOWS = 20


def demo_windows(session: Session) -> list[ServiceWindow]:
    """The demo hall's windows, made on first use."""
    hall = session.execute(select(ServiceHall).where(ServiceHall.name == HALL_NAME)).scalar_one_or_none()
    if hall is not None:
        return list(session.execute(select(ServiceWindow).where(ServiceWindow.hall_id == hall.id)).scalars())
    units = list(
        session.execute(
            select(OrgUnit)
            .where(OrgUnit.kind == OrgKind.STREET.value, OrgUnit.active.is_(True))
            .order_by(OrgUnit.id)
            .limit(MAX_WINDOWS)
        ).scalars()
    ) or list(session.execute(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).limit(1)).scalars())
    if not units:
        raise NotFound("尚无组织机构，请先导入单位（hotline demo seed）", code="no_units")
    hall = add_hall(session, HALL_NAME, units[0].parent_id or units[0].id)
    return [
        add_window(session, hall.id, f"{n}号窗口（{unit.name}）", unit.id) for n, unit in enumerate(units, 1)
    ]


def register_fleet(session: Session, count: int) -> list[str]:
    """`count` new devices over the demo windows; returns their tokens (shown nowhere else)."""
    windows = demo_windows(session)
    batch = secrets.token_hex(3)  # names stay unique across runs
    return [
        register_device(session, f"模拟评价器-{batch}-{n:04d}", windows[n % len(windows)].id)[1]
        for n in range(count)
    ]
