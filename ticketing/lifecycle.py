"""The one ticket state machine (DESIGN §5): which action may happen in which state, and where it leads.

Pure data and checks, no database. `ticketing.ticket_actions` applies an allowed action.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketing.errors import IllegalTransition
from ticketing.vocabulary import TicketStatus as S

OPEN_STATES = frozenset({S.DRAFT, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS})
HANDLING_STATES = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REPLIED})
TERMINAL_STATES = frozenset({S.CLOSED, S.VISITED, S.MERGED, S.CANCELLED, S.TRANSFERRED, S.ARCHIVED})
ALL_BUT_ARCHIVED = frozenset(S) - {S.ARCHIVED}


@dataclass(frozen=True)
class Rule:
    """`sources` lists the states the action may start from (None: the ticket does not exist yet).

    `target` None means the action keeps the state (an annotation such as a note or an extension request).
    """

    sources: frozenset[S | None]
    target: S | None
    label: str


RULES: dict[str, Rule] = {
    # Birth: the only two ways a ticket starts.
    "create_draft": Rule(frozenset({None}), S.DRAFT, "生成待受理工单"),
    "register": Rule(frozenset({None, S.DRAFT}), S.REGISTERED, "受理"),
    # Handling.
    "close_directly": Rule(frozenset({S.REGISTERED}), S.CLOSED, "直接办结"),
    "dispatch": Rule(frozenset({S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS}), S.DISPATCHED, "派单"),
    "sign": Rule(frozenset({S.DISPATCHED}), S.IN_PROGRESS, "签收"),
    "return": Rule(frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.REGISTERED, "退单"),
    "reply": Rule(frozenset({S.IN_PROGRESS}), S.REPLIED, "回复"),
    "reject_reply": Rule(frozenset({S.REPLIED}), S.IN_PROGRESS, "审核退回（重办）"),
    "close": Rule(frozenset({S.REPLIED}), S.CLOSED, "办结"),
    "record_visit": Rule(frozenset({S.CLOSED}), S.VISITED, "回访"),
    "reopen": Rule(frozenset({S.CLOSED, S.VISITED}), S.DISPATCHED, "重办"),
    "archive": Rule(
        frozenset({S.CLOSED, S.VISITED, S.MERGED, S.CANCELLED, S.TRANSFERRED}), S.ARCHIVED, "归档"
    ),
    # Side paths.
    "merge": Rule(OPEN_STATES, S.MERGED, "并单"),
    "cancel": Rule(OPEN_STATES, S.CANCELLED, "撤单"),
    "transfer_emergency": Rule(OPEN_STATES, S.TRANSFERRED, "转应急联动"),
    # Annotations: recorded in the log, state unchanged.
    "update": Rule(OPEN_STATES | {S.REPLIED}, None, "修改工单信息"),
    "change_grade": Rule(OPEN_STATES | {S.REPLIED}, None, "调整紧急程度"),
    "flag_duplicate": Rule(OPEN_STATES, None, "疑似重复"),
    "note": Rule(ALL_BUT_ARCHIVED, None, "备注"),
    "add_attachment": Rule(ALL_BUT_ARCHIVED, None, "添加附件"),
    "link_call": Rule(ALL_BUT_ARCHIVED, None, "关联通话"),
    "request_extension": Rule(frozenset({S.DISPATCHED, S.IN_PROGRESS}), None, "申请延期"),
    "decide_extension": Rule(HANDLING_STATES, None, "延期审批"),
    "helper_sign": Rule(HANDLING_STATES, None, "协办签收"),
    "helper_reply": Rule(HANDLING_STATES, None, "协办回复"),
    "review_pass": Rule(frozenset({S.REPLIED}), None, "审核通过（报上级）"),
    "supervise": Rule(HANDLING_STATES | {S.REGISTERED}, None, "督办"),
    "urge": Rule(HANDLING_STATES | {S.REGISTERED}, None, "催办"),
    "warn": Rule(HANDLING_STATES | {S.REGISTERED}, None, "预警"),
    "callback_attempt": Rule(frozenset({S.CLOSED}), None, "回访尝试"),
    "rating": Rule(ALL_BUT_ARCHIVED, None, "评价"),
    # Follow-up and 差评 appeals (shared contract with the survey and ratings work).
    "survey_unreachable": Rule(frozenset({S.CLOSED}), None, "回访未接通"),
    "appeal_rating": Rule(ALL_BUT_ARCHIVED, None, "差评申诉"),
    "decide_appeal": Rule(ALL_BUT_ARCHIVED, None, "差评申诉审核"),
}


def rule_for(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError:
        raise IllegalTransition(f"未知的工单操作：{action}", code="unknown_action", action=action) from None


def check(action: str, current: S | None) -> S:
    """Return the state after `action`, or raise IllegalTransition naming both the action and the state."""
    rule = rule_for(action)
    if current not in rule.sources:
        where = "工单尚未创建" if current is None else f"工单当前状态为“{S(current).label}”"
        raise IllegalTransition(
            f"{where}，不能执行“{rule.label}”操作",
            action=action,
            status=None if current is None else str(current),
        )
    return rule.target if rule.target is not None else S(current)  # type: ignore[arg-type]


def allowed_actions(current: S) -> list[str]:
    return [name for name, rule in RULES.items() if current in rule.sources]
