"""Who acts in the dispatch workflow, and the checks that they may: a dispatcher at the unit holding a
ticket, a handler at the unit an assignment names, the city platform for final decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ticketing.errors import HotlineError, NotFound
from ticketing.models import OrgUnit, User
from ticketing.ticket_actions import Actor
from ticketing.vocabulary import OrgKind, Role


class Forbidden(HotlineError):
    code = "forbidden"
    http_status = 403


@dataclass(frozen=True)
class Operator:
    user_id: int | None
    unit_id: int
    role: str
    name: str
    unit_kind: str

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.user_id)

    @property
    def at_platform(self) -> bool:
        return self.unit_kind == OrgKind.CITY_PLATFORM.value


def operator_for(session: Session, user_id: int) -> Operator:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"用户不存在或已停用：{user_id}", code="unknown_user")
    unit = session.get_one(OrgUnit, user.unit_id)
    return Operator(user.id, unit.id, user.role, user.display_name, unit.kind)


DISPATCHING_ROLES = frozenset({Role.DISPATCHER.value, Role.ADMIN.value})
HANDLING_ROLES = frozenset({Role.HANDLER.value, Role.DISPATCHER.value, Role.ADMIN.value})


def require(condition: bool, message: str, code: str = "forbidden") -> None:
    if not condition:
        raise Forbidden(message, code=code)


def require_dispatcher_of(operator: Operator, unit_id: int) -> None:
    require(operator.role in DISPATCHING_ROLES, "只有派单员可以执行此操作", "not_a_dispatcher")
    require(operator.unit_id == unit_id, "该工单不在本单位，无权操作", "not_your_unit")


def require_handler_of(operator: Operator, unit_id: int) -> None:
    require(operator.role in HANDLING_ROLES, "只有承办人或派单员可以执行此操作", "not_a_handler")
    require(operator.unit_id == unit_id, "该任务不属于本单位，无权操作", "not_your_unit")


def require_platform(operator: Operator) -> None:
    require(
        operator.role in DISPATCHING_ROLES and operator.at_platform, "只有市级平台可以裁决", "not_platform"
    )
