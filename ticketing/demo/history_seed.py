"""~2,000 historical tickets over the last 90 days, born through the intake service and moved through
the real state machine, so the demo's event log tells the same story a live system would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketing.db import Database
from ticketing.demo.categories import LEAF_DEPARTMENT
from ticketing.demo.city import RESIDENTIAL_COMPOUNDS, ROAD_NAMES
from ticketing.demo.reference_seed import DemoOrg
from ticketing.demo.ticket_texts import CITIZEN_SURNAMES, TEMPLATES, TicketTemplate
from ticketing.intake import submit
from ticketing.models import utcnow
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update, perform

HISTORY_DAYS = 90
MOBILE_PREFIXES = (
    "138",
    "139",
    "137",
    "150",
    "151",
    "152",
    "158",
    "186",
    "187",
    "135",
    "136",
    "189",
    "177",
    "199",
)
REPEAT_CALLER_SHARE = 0.15
CHANNEL_WEIGHTS = {"phone_agent": 70, "web_form": 15, "open311": 5, "voicemail": 5, "rating_device": 5}
AGENT = Actor("话务员（演示数据）")
PLATFORM = Actor("市级派单员（演示数据）")
UNIT = Actor("承办单位（演示数据）")
CALLBACK = Actor("回访（演示数据）")


@dataclass
class Place:
    district_code: str
    street_id: int
    community_code: str
    community_name: str
    address: str


class HistoryGenerator:
    def __init__(self, db: Database, org: DemoOrg, rng: random.Random, now: datetime) -> None:
        self.db = db
        self.org = org
        self.rng = rng
        self.now = now
        self.callers: list[str] = []

    def _phone(self) -> str:
        if self.callers and self.rng.random() < REPEAT_CALLER_SHARE:
            return self.rng.choice(self.callers)
        phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        self.callers.append(phone)
        return phone

    def _place(self) -> Place:
        district_code = self.rng.choice(sorted(self.org.street_ids))
        street_id = self.rng.choice(self.org.street_ids[district_code])
        community_code, _id, community_name = self.rng.choice(self.org.community_codes[street_id])
        district_name = self.org.district_names[district_code]
        road = self.rng.choice(ROAD_NAMES.get(district_name) or ("人民路",))
        address = f"{district_name}{self.org.street_names[street_id]}{road}{self.rng.randint(1, 399)}号"
        return Place(district_code, street_id, community_code, community_name, address)

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
        surname = self.rng.choice(CITIZEN_SURNAMES)
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
                contact_name=surname + self.rng.choice(("先生", "女士")),
                anonymous=self.rng.random() < 0.05,
                confidential=template.ticket_type == "report" and self.rng.random() < 0.5,
                address=place.address,
                area_code=place.community_code,
                idempotency_key=f"demo-{index}",
                callback_requested=channel == "voicemail",
            ),
            actor=AGENT,
            now=born,
        )
        self._progress(result.ticket_id, result.status, template, place, born)

    def _progress(
        self, ticket_id: int, status: str, template: TicketTemplate, place: Place, born: datetime
    ) -> None:
        """Moves the ticket as far as its age makes plausible; the newest ones stay open."""
        age_days = (self.now - born).total_seconds() / 86400
        maturity = min(1.0, age_days / 12) * self.rng.uniform(0.6, 1.3)
        steps: list[tuple[str, dict, timedelta]] = []
        if status == "draft":
            if maturity < 0.2:
                return
            steps.append(("register", {}, timedelta(minutes=20)))
        if template.ticket_type == "consultation" and self.rng.random() < 0.7:
            steps.append(("close_directly", {"answer": template.reply}, timedelta(minutes=5)))
        else:
            steps += self._handling_steps(template, place, maturity)
        self._apply(ticket_id, born, steps)

    def _handling_steps(
        self, template: TicketTemplate, place: Place, maturity: float
    ) -> list[tuple[str, dict, timedelta]]:
        to_district = self.rng.random() < 0.5
        unit_id = (
            self.org.district_ids[place.district_code]
            if to_district
            else self.org.department_ids[LEAF_DEPARTMENT[template.category_code]]
        )
        plan: list[tuple[str, dict, timedelta]] = [
            ("dispatch", {"holder_unit_id": unit_id}, timedelta(minutes=self.rng.randint(10, 240))),
            ("sign", {}, timedelta(minutes=self.rng.randint(10, 300))),
        ]
        if to_district:
            plan += [
                (
                    "dispatch",
                    {"holder_unit_id": place.street_id},
                    timedelta(minutes=self.rng.randint(30, 600)),
                ),
                ("sign", {}, timedelta(minutes=self.rng.randint(10, 300))),
            ]
        resolved = self.rng.random() < 0.85
        plan += [
            (
                "reply",
                {"text": template.reply, "resolved": resolved},
                timedelta(hours=self.rng.randint(4, 120)),
            ),
            ("close", {}, timedelta(hours=self.rng.randint(1, 24))),
        ]
        satisfaction = self.rng.choices(
            ("satisfied", "basically_satisfied", "unsatisfied"), weights=(75, 17, 8)
        )[0]
        plan.append(("record_visit", {"resolved": resolved, "satisfaction": satisfaction}, timedelta(days=1)))
        if maturity > 1.15:
            plan.append(("archive", {}, timedelta(days=3)))
        keep = max(1, round(len(plan) * min(maturity, 1.0)))
        return plan[:keep]

    def _apply(self, ticket_id: int, born: datetime, steps: list[tuple[str, dict, timedelta]]) -> None:
        if not steps:
            return
        moment = born
        with self.db.session() as session:
            ticket = load_for_update(session, ticket_id)
            for action, payload, delay in steps:
                moment += delay
                if moment >= self.now:
                    return
                actor = {"dispatch": PLATFORM, "record_visit": CALLBACK, "close": PLATFORM}.get(action, UNIT)
                perform(session, ticket, action, actor, payload, now=moment)


def seed_history(db: Database, org: DemoOrg, *, tickets: int, seed: int, now: datetime | None = None) -> None:
    generator = HistoryGenerator(db, org, random.Random(seed), now or utcnow())
    for index in range(tickets):
        generator.create_one(index)
