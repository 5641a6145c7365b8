"""督办 and 催办 by hand: a supervisor presses a card on the board. The sweep issues the automatic ones
(dispatch/supervision.py); these are the people's, recorded as events of the same kinds."""

from __future__ import annotations

from dispatch.context import Context
from dispatch.operators import Operator, require
from ticketing.errors import InvalidInput
from ticketing.ticket_actions import load_for_update, perform
from ticketing.vocabulary import Role

SUPERVISING_ROLES = frozenset({Role.SUPERVISOR.value, Role.LEADER.value, Role.ADMIN.value})
KINDS = {"urge": "催办", "supervise": "督办"}
MAX_NOTE_CHARS = 500


def supervise_by_hand(ctx: Context, operator: Operator, ticket_id: int, kind: str, note: str) -> None:
    require(operator.role in SUPERVISING_ROLES, "只有督办员或领导可以督办、催办", "not_a_supervisor")
    if kind not in KINDS:
        raise InvalidInput(
            "督办类型无效：须为 urge（催办）或 supervise（督办）", code="invalid_supervision_kind"
        )
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"督办意见过长：最多 {MAX_NOTE_CHARS} 字", code="note_too_long")
    ticket = load_for_update(ctx.session, ticket_id)
    payload = {"manual": True, "unit_id": ticket.holder_unit_id, "note": note}
    if kind == "supervise":
        payload["order"] = True
    perform(ctx.session, ticket, kind, operator.actor, payload, now=ctx.now)
