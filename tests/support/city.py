"""A minimal org tree and catalogue for tests that need places and categories."""

from __future__ import annotations

from dataclasses import dataclass

from ticketing.db import Database
from ticketing.models import Category, OrgUnit
from ticketing.vocabulary import ORG_LEVEL, OrgKind


@dataclass(frozen=True)
class TinyCity:
    platform_id: int
    district_id: int
    street_id: int
    community_id: int
    department_id: int


def build_tiny_city(db: Database) -> TinyCity:
    with db.session() as session:

        def unit(code: str, name: str, kind: OrgKind, parent: OrgUnit | None) -> OrgUnit:
            row = OrgUnit(code=code, name=name, kind=kind.value, level=ORG_LEVEL[kind], parent=parent)
            session.add(row)
            return row

        platform = unit("CITY", "云州市12345热线", OrgKind.CITY_PLATFORM, None)
        district = unit("D01", "云溪区", OrgKind.DISTRICT, platform)
        street = unit("D01S01", "青石街道", OrgKind.STREET, district)
        community = unit("D01S01C01", "柳湾社区", OrgKind.COMMUNITY, street)
        department = unit("C01", "市城市管理局", OrgKind.CITY_DEPARTMENT, platform)
        session.add_all(
            [
                Category(code="010000", name="城乡建设", level=1),
                Category(code="010100", name="物业管理", parent_code="010000", level=2),
                Category(code="010101", name="物业服务纠纷", parent_code="010100", level=3),
            ]
        )
        session.flush()
        return TinyCity(platform.id, district.id, street.id, community.id, department.id)
