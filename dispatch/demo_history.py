"""~2,000 historical tickets over the last 90 days, born through the intake service and handled
through the real dispatch workflow (graded dispatch, signing, returns, extensions, replies, reviews),
so the demo's assignments, deadlines and event log are what a live system would have. The newest
tickets stay open, and some of them late: the supervisor's board has work on it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from dispatch.assignments import LEAD
from dispatch.context import Context, dispatch_context
from dispatch.demo_rules import department_for
from dispatch.extensions import decide_extension, request_extension
from dispatch.graded_dispatch import close_directly, dispatch_ticket
from dispatch.handling import reply, sign
from dispatch.models import Assignment
from dispatch.operators import Operator
from dispatch.returns import return_assignment
from dispatch.review import review
from ticketing.db import Database
from ticketing.demo.city import RESIDENTIAL_COMPOUNDS, ROAD_NAMES
from ticketing.demo.ticket_texts import CITIZEN_SURNAMES, TEMPLATES, TicketTemplate
from ticketing.errors import HotlineError
from ticketing.intake import submit
from ticketing.models import OrgUnit, utcnow
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update, perform

HISTORY_DAYS = 90
MOBILE_PREFIXES = ("138", "139", "137", "150", "151", "158", "186", "187", "135", "189", "177", "199")
REPEAT_CALLER_SHARE = 0.15
CHANNEL_WEIGHTS = {"phone_agent": 70, "web_form": 15, "open311": 5, "voicemail": 5, "rating_device": 5}
AGENT = Actor("话务员（演示数据）")
CALLBACK = Actor("回访（演示数据）")


@dataclass
class Place:
    district: OrgUnit
    street: OrgUnit
    community: OrgUnit
    address: str


class CityIndex:
    """The seeded org tree, read once, and a demo operator for every unit."""

    def __init__(self, db: Database) -> None:
        with db.read_session() as session:
            units = list(session.execute(select(OrgUnit)).scalars())
        self.by_id = {u.id: u for u in units}
        self.by_code = {u.code: u for u in units}
        self.platform = next(u for u in units if u.kind == "city_platform")
        self.children: dict[int, list[OrgUnit]] = {}
        for unit in units:
            if unit.parent_id is not None:
                self.children.setdefault(unit.parent_id, []).append(unit)
        self.districts = [u for u in units if u.kind == "district"]

    def operator(self, unit: OrgUnit, role: str = "dispatcher") -> Operator:
        return Operator(None, unit.id, role, f"{unit.name}（演示）", unit.kind)

    def kids(self, unit: OrgUnit, kind: str) -> list[OrgUnit]:
        return [u for u in self.children.get(unit.id, []) if u.kind == kind]


class HistoryGenerator:
    def __init__(self, db: Database, city: CityIndex, rng: random.Random, now: datetime) -> None:
        self.db, self.city, self.rng, self.now = db, city, rng, now
        self.callers: list[str] = []

    def _phone(self) -> str:
        if self.callers and self.rng.random() < REPEAT_CALLER_SHARE:
            return self.rng.choice(self.callers)
        phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        self.callers.append(phone)
        return phone

    def _place(self) -> Place:
        district = self.rng.choice(self.city.districts)
        street = self.rng.choice(self.city.kids(district, "street"))
        community = self.rng.choice(self.city.kids(street, "community"))
        road = self.rng.choice(ROAD_NAMES.get(district.name) or ("人民路",))
        address = f"{district.name}{street.name}{road}{self.rng.randint(1, 399)}号"
        return Place(district, street, community, address)

    def _text(self, template: TicketTemplate, place: Place) -> str:
        return template.content.format(
            address=place.address,
            place=self.rng.choice(RESIDENTIAL_COMPOUNDS),
            days=self.rng.randint(2, 20),
            time=self.rng.choice(("凌晨一点", "晚上十点", "早上六点", "中午十二点", "晚上八点")),
        )

    def create_one(self, index: int) -> None:
        template = self.rng.choice(TEMPLATES)
        place = self._place()
        born = self.now - timedelta(minutes=self.rng.randint(30, HISTORY_DAYS * 24 * 60))
        channel = self.rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        result = submit(
            self.db,
            Submission(
                channel=channel,
                content=self._text(template, place),
                title=template.title,
                ticket_type=template.ticket_type,
                grade=self.rng.choices(("normal", "important", "urgent"), weights=(90, 8, 2))[0],
                category_code=template.category_code,
                contact_phone=self._phone(),
                contact_name=self.rng.choice(CITIZEN_SURNAMES) + self.rng.choice(("先生", "女士")),
                anonymous=self.rng.random() < 0.05,
                confidential=template.ticket_type == "report" and self.rng.random() < 0.5,
                address=place.address,
                area_code=place.community.code,
                idempotency_key=f"demo-{index}",
                callback_requested=channel == "voicemail",
            ),
            actor=AGENT,
            now=born,
        )
        Story(self, result.ticket_id, template, place, born).play(draft=result.status == "draft")


class Story:
    """One ticket's life, step by step, each step some minutes or hours after the last; it stops at
    the present, so young tickets stay open where their story has got to."""

    def __init__(
        self, gen: HistoryGenerator, ticket_id: int, template: TicketTemplate, place: Place, born: datetime
    ) -> None:
        self.gen, self.ticket_id, self.template, self.place = gen, ticket_id, template, place
        self.moment = born
        self.rng = gen.rng

    def _at(self, ctx: Context, minutes: tuple[int, int], step: Callable[[], Any]) -> bool:
        self.moment += timedelta(minutes=self.rng.randint(*minutes))
        if self.moment >= self.gen.now:
            return False
        ctx.now = self.moment
        with ctx.session.begin_nested():  # a step the rules refuse leaves nothing half-done
            step()
        return True

    def _lead(self, ctx: Context, unit: OrgUnit) -> int:
        return ctx.session.execute(
            select(Assignment.id)
            .where(
                Assignment.ticket_id == self.ticket_id, Assignment.unit_id == unit.id, Assignment.role == LEAD
            )
            .order_by(Assignment.id.desc())
            .limit(1)
        ).scalar_one()

    def play(self, *, draft: bool) -> None:
        city = self.gen.city
        with dispatch_context(self.gen.db, self.moment) as ctx:
            try:
                if draft and not self._at(ctx, (10, 120), lambda: self._register(ctx)):
                    return
                if self.template.ticket_type == "consultation" and self.rng.random() < 0.7:
                    self._at(
                        ctx,
                        (2, 10),
                        lambda: close_directly(
                            ctx, city.operator(city.platform, "agent"), self.ticket_id, self.template.reply
                        ),
                    )
                    return
                self._handle(ctx)
            except HotlineError:  # a story the rules refuse ends there, as in real life
                return

    def _register(self, ctx: Context) -> None:
        perform(ctx.session, load_for_update(ctx.session, self.ticket_id), "register", AGENT, {}, now=ctx.now)

    def _handle(self, ctx: Context) -> None:
        city, place = self.gen.city, self.place
        department = city.by_code[department_for(self.template.category_code)]
        lead = place.district if self.rng.random() < 0.5 else department
        if self.rng.random() < 0.05:  # a misdirected first dispatch, returned and re-dispatched
            wrong = place.district if lead is department else department
            if not self._step_dispatch(ctx, city.platform, wrong):
                return
            if not self._at(
                ctx,
                (30, 600),
                lambda: return_assignment(
                    ctx, city.operator(wrong), self._lead(ctx, wrong), "not_our_duty", ""
                ),
            ):
                return
        if not self._step_dispatch(ctx, city.platform, lead):
            return
        if not self._work(ctx, lead, city.platform):
            return
        self._visit(ctx)

    def _step_dispatch(self, ctx: Context, holder: OrgUnit, unit: OrgUnit) -> bool:
        city = self.gen.city
        return self._at(
            ctx, (10, 240), lambda: dispatch_ticket(ctx, city.operator(holder), self.ticket_id, unit.id)
        )

    def _work(self, ctx: Context, unit: OrgUnit, reviewer: OrgUnit) -> bool:
        """`unit` signs, hands down a level (districts, streets) or does the work, replies; `reviewer`
        accepts. True when the reply was accepted in time."""
        city = self.gen.city
        op = city.operator(unit)
        if not self._at(ctx, (10, 300), lambda: sign(ctx, op, self._lead(ctx, unit))):
            return False
        below = {"district": self.place.street, "street": self.place.community}.get(unit.kind)
        if below is not None and self.rng.random() < 0.6:
            if not self._step_dispatch(ctx, unit, below) or not self._work(ctx, below, unit):
                return False
        else:
            if self.rng.random() < 0.05 and not self._extend(ctx, unit, reviewer):
                return False
            resolved = self.rng.random() < 0.85
            if not self._at(
                ctx,
                (240, 4 * 24 * 60),
                lambda: reply(ctx, op, self._lead(ctx, unit), self.template.reply, resolved=resolved),
            ):
                return False
        return self._at(
            ctx, (30, 24 * 60), lambda: review(ctx, city.operator(reviewer), self.ticket_id, accept=True)
        )

    def _extend(self, ctx: Context, unit: OrgUnit, reviewer: OrgUnit) -> bool:
        city = self.gen.city
        holder: list = []
        if not self._at(
            ctx,
            (60, 600),
            lambda: holder.append(
                request_extension(
                    ctx, city.operator(unit), self._lead(ctx, unit), 3, "需协调多个部门联合处理"
                )
            ),
        ):
            return False
        return self._at(
            ctx,
            (30, 300),
            lambda: decide_extension(
                ctx, city.operator(reviewer), holder[0].id, approve=True, note="同意延期"
            ),
        )

    def _visit(self, ctx: Context) -> None:
        satisfaction = self.rng.choices(
            ("satisfied", "basically_satisfied", "unsatisfied"), weights=(75, 17, 8)
        )[0]
        if self._at(
            ctx,
            (24 * 60, 3 * 24 * 60),
            lambda: perform(
                ctx.session,
                load_for_update(ctx.session, self.ticket_id),
                "record_visit",
                CALLBACK,
                {"resolved": satisfaction != "unsatisfied", "satisfaction": satisfaction},
                now=ctx.now,
            ),
        ):
            self._at(
                ctx,
                (3 * 24 * 60, 10 * 24 * 60),
                lambda: perform(
                    ctx.session,
                    load_for_update(ctx.session, self.ticket_id),
                    "archive",
                    Actor("系统"),
                    {},
                    now=ctx.now,
                ),
            )


def seed_history(db: Database, *, tickets: int, seed: int, now: datetime | None = None) -> None:
    generator = HistoryGenerator(db, CityIndex(db), random.Random(seed), now or utcnow())
    for index in range(tickets):
        generator.create_one(index)
