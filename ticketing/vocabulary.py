"""The fixed vocabularies of the hotline, each value with its Chinese label.

Stored as plain strings in the database (portable across SQLite and PostgreSQL, readable in SQL);
these enums are the one place that says which strings are valid.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry the Chinese label shown to people."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def parse(cls, value: str) -> LabelledEnum:
        """Accept the stored value or the Chinese label."""
        for member in cls:
            if value in (member.value, member.label):
                return member
        raise ValueError(value)


class Channel(LabelledEnum):
    PHONE_AGENT = "phone_agent", "电话（座席受理）"
    VOICEMAIL = "voicemail", "电话留言"
    WEB_FORM = "web_form", "网站"
    OPEN311 = "open311", "Open311 接口"
    RATING_DEVICE = "rating_device", "评价器差评"
    QR_RATING = "qr_rating", "扫码评价差评"
    LEADER_LINE = "leader_line", "领导接听日"
    CALLBACK = "callback", "回访"


class TicketType(LabelledEnum):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Grade(LabelledEnum):
    URGENT = "urgent", "紧急"
    IMPORTANT = "important", "加急"
    NORMAL = "normal", "一般"


class TicketStatus(LabelledEnum):
    DRAFT = "draft", "待受理"
    REGISTERED = "registered", "已受理"
    DISPATCHED = "dispatched", "已派单"
    IN_PROGRESS = "in_progress", "办理中"
    REPLIED = "replied", "已回复"
    CLOSED = "closed", "已办结"
    VISITED = "visited", "已回访"
    ARCHIVED = "archived", "已归档"
    MERGED = "merged", "已并单"
    CANCELLED = "cancelled", "已撤单"
    TRANSFERRED = "transferred", "已转警"


class Role(LabelledEnum):
    AGENT = "agent", "话务员"
    DISPATCHER = "dispatcher", "派单员"
    HANDLER = "handler", "承办人"
    SUPERVISOR = "supervisor", "督办员"
    LEADER = "leader", "领导"
    ADMIN = "admin", "管理员"
    ANALYST = "analyst", "分析员"


class OrgKind(LabelledEnum):
    CITY_PLATFORM = "city_platform", "市级平台"
    DISTRICT = "district", "区县"
    CITY_DEPARTMENT = "city_department", "市直部门"
    STREET = "street", "街道/乡镇"
    DISTRICT_DEPARTMENT = "district_department", "区直部门"
    COMMUNITY = "community", "社区/村"


# Which kinds may sit directly under which: the four-level tree of graded dispatch.
ORG_CHILD_KINDS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.CITY_PLATFORM: frozenset({OrgKind.DISTRICT, OrgKind.CITY_DEPARTMENT}),
    OrgKind.DISTRICT: frozenset({OrgKind.STREET, OrgKind.DISTRICT_DEPARTMENT}),
    OrgKind.CITY_DEPARTMENT: frozenset(),
    OrgKind.STREET: frozenset({OrgKind.COMMUNITY}),
    OrgKind.DISTRICT_DEPARTMENT: frozenset(),
    OrgKind.COMMUNITY: frozenset(),
}

ORG_LEVEL: dict[OrgKind, int] = {
    OrgKind.CITY_PLATFORM: 1,
    OrgKind.DISTRICT: 2,
    OrgKind.CITY_DEPARTMENT: 2,
    OrgKind.STREET: 3,
    OrgKind.DISTRICT_DEPARTMENT: 3,
    OrgKind.COMMUNITY: 4,
}


class RatingLevel(LabelledEnum):
    """好差评's five levels, best first."""

    VERY_SATISFIED = "very_satisfied", "非常满意"
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    VERY_UNSATISFIED = "very_unsatisfied", "非常不满意"


# 差评: these levels enter intake as a ticket for the rated unit.
BAD_RATING_LEVELS = frozenset({RatingLevel.UNSATISFIED, RatingLevel.VERY_UNSATISFIED})
RATING_CHANNELS = frozenset({Channel.RATING_DEVICE, Channel.QR_RATING})


class AttachmentKind(LabelledEnum):
    AUDIO = "audio", "录音"
    IMAGE = "image", "图片"
    DOCUMENT = "document", "文件"
