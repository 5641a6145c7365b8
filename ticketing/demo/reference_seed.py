"""Writes the demo city's reference data: the org tree, the catalogue, the knowledge base and users."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ticketing.demo.categories import CATEGORIES
from ticketing.demo.city import CITY_DEPARTMENTS, DISTRICTS, PLATFORM_NAME
from ticketing.demo.knowledge import ARTICLES
from ticketing.models import Category, KnowledgeArticle, OrgUnit
from ticketing.users import add_user, generate_password
from ticketing.vocabulary import ORG_LEVEL, OrgKind, Role

PLATFORM_CODE = "CITY"


@dataclass
class DemoOrg:
    """Ids of the seeded units, for generating tickets that point at real places and units."""

    platform_id: int = 0
    district_ids: dict[str, int] = field(default_factory=dict)  # district code -> id
    street_ids: dict[str, list[int]] = field(default_factory=dict)  # district code -> street ids
    community_codes: dict[int, list[tuple[str, int, str]]] = field(
        default_factory=dict
    )  # street id -> (code, id, name)
    street_names: dict[int, str] = field(default_factory=dict)
    district_names: dict[str, str] = field(default_factory=dict)
    department_ids: dict[str, int] = field(default_factory=dict)  # city department code -> id


def _unit(
    session: Session, code: str, name: str, kind: OrgKind, parent: OrgUnit | None, phone: str | None = None
) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, kind=kind.value, level=ORG_LEVEL[kind], parent=parent, phone=phone)
    session.add(unit)
    return unit


def seed_org_tree(session: Session) -> DemoOrg:
    org = DemoOrg()
    platform = _unit(session, PLATFORM_CODE, PLATFORM_NAME, OrgKind.CITY_PLATFORM, None, "12345")
    departments = {
        d.code: _unit(session, d.code, d.name, OrgKind.CITY_DEPARTMENT, platform, d.phone)
        for d in CITY_DEPARTMENTS
    }
    streets_by_district: dict[str, list[tuple[OrgUnit, list[OrgUnit]]]] = {}
    districts = {}
    for district in DISTRICTS:
        district_unit = _unit(session, district.code, district.name, OrgKind.DISTRICT, platform)
        districts[district.code] = district_unit
        org.district_names[district.code] = district.name
        for index, name in enumerate(district.departments, start=1):
            _unit(session, f"{district.code}B{index:02d}", name, OrgKind.DISTRICT_DEPARTMENT, district_unit)
        streets_by_district[district.code] = []
        for s_index, street in enumerate(district.streets, start=1):
            street_unit = _unit(
                session, f"{district.code}S{s_index:02d}", street.name, OrgKind.STREET, district_unit
            )
            communities = [
                _unit(
                    session,
                    f"{street_unit.code}C{c_index:02d}",
                    community.name,
                    OrgKind.COMMUNITY,
                    street_unit,
                )
                for c_index, community in enumerate(street.communities, start=1)
            ]
            streets_by_district[district.code].append((street_unit, communities))
    session.flush()
    org.platform_id = platform.id
    org.department_ids = {code: unit.id for code, unit in departments.items()}
    for code, unit in districts.items():
        org.district_ids[code] = unit.id
        org.street_ids[code] = []
        for street_unit, communities in streets_by_district[code]:
            org.street_ids[code].append(street_unit.id)
            org.street_names[street_unit.id] = street_unit.name
            org.community_codes[street_unit.id] = [(c.code, c.id, c.name) for c in communities]
    return org


def seed_catalogue(session: Session) -> None:
    for entry in CATEGORIES:
        level = 1 if entry.code.endswith("0000") else 2 if entry.code.endswith("00") else 3
        parent = None if level == 1 else entry.code[:2] + "0000" if level == 2 else entry.code[:4] + "00"
        session.add(Category(code=entry.code, name=entry.name, parent_code=parent, level=level))
        session.flush()  # parents first, so the foreign key holds on every insert


def seed_knowledge(session: Session, org: DemoOrg) -> None:
    for article in ARTICLES:
        session.add(
            KnowledgeArticle(
                title=article.title,
                category_code=article.category_code,
                unit_id=org.department_ids.get(article.department_code),
                summary=article.summary,
                basis=article.basis,
                conditions=article.conditions,
                materials=article.materials,
                time_limit=article.time_limit,
                place=article.place,
                phone=article.phone,
                fees=article.fees,
                faq=[{"q": q, "a": a} for q, a in article.faq],
                keywords=article.keywords,
            )
        )


# (username, role, unit code, display name): every role, at every level a demo walks through.
DEMO_USERS = (
    ("admin", Role.ADMIN, PLATFORM_CODE, "系统管理员"),
    ("agent01", Role.AGENT, PLATFORM_CODE, "话务员 李娜"),
    ("agent02", Role.AGENT, PLATFORM_CODE, "话务员 王芳"),
    ("agent03", Role.AGENT, PLATFORM_CODE, "话务员 张伟"),
    ("dispatch", Role.DISPATCHER, PLATFORM_CODE, "市级派单员 刘洋"),
    ("d01-dispatch", Role.DISPATCHER, "D01", "区级派单员 陈静"),
    ("d01s01-dispatch", Role.DISPATCHER, "D01S01", "街道派单员 杨磊"),
    ("d01s01c01-handler", Role.HANDLER, "D01S01C01", "社区承办人 赵敏"),
    ("c02-handler", Role.HANDLER, "C02", "住建局承办人 黄强"),
    ("c03-handler", Role.HANDLER, "C03", "城管局承办人 周杰"),
    ("supervisor", Role.SUPERVISOR, PLATFORM_CODE, "督办员 吴刚"),
    ("leader", Role.LEADER, "C02", "住建局局长 郑华"),
    ("analyst", Role.ANALYST, PLATFORM_CODE, "数据分析员 孙丽"),
)


def seed_users(session: Session) -> list[tuple[str, str, str]]:
    """Creates the demo users with random passwords; returns (username, role, password) to print once."""
    credentials = []
    for username, role, unit_code, name in DEMO_USERS:
        password = generate_password()
        add_user(
            session, username, role=role.value, unit_code=unit_code, password=password, display_name=name
        )
        credentials.append((username, role.value, password))
    return credentials
