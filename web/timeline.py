"""The ticket page's timeline: each event as one line people read (什么操作、谁、何时、要点)."""

from __future__ import annotations

from typing import Any

from dispatch.returns import RETURN_REASONS
from ticketing.lifecycle import RULES
from ticketing.vocabulary import TicketStatus

CARD_LABELS = {"yellow": "黄牌预警", "red": "红牌超时"}
STAGE_LABELS = {"dispatch": "派单", "sign": "签收", "reply": "答复"}
TEXT_KEYS = ("answer", "text", "reason", "decision", "note")
UNIT_KEYS = (("holder_unit_id", "承办单位"), ("escalated_to_unit_id", "升级至"))
SURVEY_ACTIONS = ("callback_attempt", "record_visit")
SURVEY_LABELS = {
    # outcome of one attempt
    "answered": "已接通",
    "busy": "占线",
    "no_answer": "无人接听",
    "failed": "呼叫失败",
    "not_understood": "未能识别回答",
    "lost": "外呼无结果",
    # satisfaction and method
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "auto_call": "自动外呼",
    "agent_call": "人工回访",
}


def _status_label(value: str | None) -> str | None:
    try:
        return TicketStatus(value).label if value else None
    except ValueError:
        return value


def describe(event: dict[str, Any], unit_names: dict[int, str]) -> dict[str, Any]:
    payload = event.get("payload") or {}
    rule = RULES.get(event["action"])
    facts: list[str] = []
    if "level" in payload:
        facts.append(CARD_LABELS.get(payload["level"], payload["level"]))
    if "stage" in payload:
        facts.append(f"环节：{STAGE_LABELS.get(payload['stage'], payload['stage'])}")
    for key, label in UNIT_KEYS:
        if payload.get(key):
            facts.append(f"{label}：{unit_names.get(payload[key], payload[key])}")
    if payload.get("helper_unit_ids"):
        facts.append("协办：" + "、".join(unit_names.get(u, str(u)) for u in payload["helper_unit_ids"]))
    if "reason_code" in payload:
        facts.append(f"退单原因：{RETURN_REASONS.get(payload['reason_code'], payload['reason_code'])}")
    if "working_days" in payload:
        facts.append(f"延期 {payload['working_days']} 个工作日")
    if (
        "resolved" in payload
        and event["action"] in ("reply", *SURVEY_ACTIONS)
        and payload["resolved"] is not None
    ):
        facts.append("已解决" if payload["resolved"] else "未解决")
    if event["action"] in SURVEY_ACTIONS:
        if "attempt" in payload:
            facts.append(f"第 {payload['attempt']} 次")
        for key in ("outcome", "satisfaction", "method"):
            if payload.get(key):
                facts.append(SURVEY_LABELS.get(payload[key], payload[key]))
    if "filename" in payload:
        facts.append(f"附件：{payload['filename']}")
    if payload.get("manual"):
        facts.append("人工发起")
    text = next((str(payload[k]) for k in TEXT_KEYS if payload.get(k)), None)
    return {
        **event,
        "label": rule.label if rule else event["action"],
        "to_status_label": _status_label(event.get("to_status")),
        "status_changed": event.get("from_status") != event.get("to_status"),
        "facts": facts,
        "text": text,
    }


def unit_ids_in(events: list[dict[str, Any]]) -> set[int]:
    found: set[int] = set()
    for event in events:
        payload = event.get("payload") or {}
        found.update(int(payload[k]) for k, _ in UNIT_KEYS if payload.get(k))
        found.update(int(u) for u in payload.get("helper_unit_ids") or [])
    return found
