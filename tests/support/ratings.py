"""A service hall with one window and one rating device, on the test city (tests.dispatch.conftest)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.dispatch.conftest import City
from ticketing.db import Database
from ticketing.rating_devices import add_hall, add_window, register_device


@dataclass(frozen=True)
class Hall:
    hall: int
    window: int
    unit: int  # the street whose window it is
    staff: int
    device: int
    token: str


def build_hall(db: Database, city: City, device_name: str = "青石街道3号窗评价器") -> Hall:
    with db.session() as session:
        hall = add_hall(session, "青石街道便民服务中心", city.street, "青石路 1 号")
        window = add_window(session, hall.id, "3号窗口（社保）", city.street)
        device, token = register_device(session, device_name, window.id, staff_user_id=city.users["street"])
        return Hall(hall.id, window.id, city.street, city.users["street"], device.id, token)
