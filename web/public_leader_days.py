"""Public pages of leader live-answer days (领导在线接听日) for citizens and the media: the schedule,
and per session its tickets (anonymised like every public ticket) with their progress.

Only sessions marked public and not cancelled are shown; confidential tickets and drafts never are.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.leader_sessions import session_json
from dispatch.leader_tickets import session_tickets
from ticketing.models import LeaderSession
from ticketing.models.leader_sessions import SCHEDULED
from web.keys import DB_KEY
from web.public_html import esc, html_response, message_page
from web.public_view import is_public, public_cards

MAX_SESSIONS = 50


def _published(session: Session, session_id: int) -> LeaderSession | None:
    row = session.get(LeaderSession, session_id)
    return row if row is not None and row.public and row.status == SCHEDULED else None


def public_schedule(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(LeaderSession)
        .where(LeaderSession.public.is_(True), LeaderSession.status == SCHEDULED)
        .order_by(LeaderSession.starts_at.desc())
        .limit(MAX_SESSIONS)
    ).scalars()
    return [_public_fields(session_json(session, row)) for row in rows]


def _public_fields(info: dict[str, Any]) -> dict[str, Any]:
    """What the media may print: who answered for which unit, when, on what — not the phone address."""
    keep = ("id", "leader_name", "unit_name", "date", "start", "end", "topic")
    return {key: info[key] for key in keep}


def public_session(session: Session, session_id: int) -> dict[str, Any] | None:
    row = _published(session, session_id)
    if row is None:
        return None
    progress = [p for p in session_tickets(session, session_id) if is_public(p.ticket)]
    cards = public_cards(session, [p.ticket for p in progress])
    for card, item in zip(cards, progress, strict=True):
        card["due_at"] = item.reply_due_at.isoformat() if item.reply_due_at else None
    return {**_public_fields(session_json(session, row)), "tickets": cards}


def _local(moment: str | None) -> str:
    return moment[:16].replace("T", " ") if moment else ""


async def _load(request: web.Request, fn: Any, *args: Any) -> Any:
    def run() -> Any:
        with request.app[DB_KEY].read_session() as session:
            return fn(session, *args)

    return await asyncio.to_thread(run)


async def schedule_page(request: web.Request) -> web.Response:
    sessions = await _load(request, public_schedule)
    rows = "".join(
        f'<article class="ticket"><header><strong><a href="/public/leader-sessions/{s["id"]}">'
        f"{esc(s['topic'])}</a></strong></header>"
        f'<p class="meta">{esc(s["date"])} {esc(s["start"])}–{esc(s["end"])} · {esc(s["unit_name"])}'
        f" {esc(s['leader_name'])}</p></article>"
        for s in sessions
    )
    body = f"""
<p class="hint">领导在线接听日：领导在 12345 热线直接接听市民来电，
  来电诉求当天转交承办单位调查处理，办理进度在此公开。</p>
<div class="tickets">{rows or '<p class="hint">暂无公开的接听安排。</p>'}</div>"""
    return html_response("领导接听日", body, active="leader")


def _ticket_card(item: dict[str, Any]) -> str:
    reply = f'<p class="reply">{esc(item["reply"])}</p>' if item["reply"] else ""
    return f"""
<article class="ticket">
  <header><span class="status {esc(item["status"])}">{esc(item["status_label"])}</span>
    <strong>{esc(item["number"])}</strong> <span>{esc(item["category"] or "待分类")}</span>
    <span class="district">{esc(item["district"] or "")}</span></header>
  <p class="meta">{esc(item["type_label"])} · 受理 {esc(_local(item["created_at"]))}
    · 调查时限 {esc(_local(item["due_at"]))}</p>
  {reply}
</article>"""


async def session_page(request: web.Request) -> web.Response:
    try:
        session_id = int(request.match_info["session_id"])
    except ValueError:
        session_id = 0
    found = await _load(request, public_session, session_id) if 0 < session_id < 2**31 else None
    if found is None:
        missing = "该接听场次不存在或未公开。"
        return message_page("领导接听日", missing, status=404, back="/public/leader-sessions")
    cards = "".join(_ticket_card(t) for t in found["tickets"]) or '<p class="hint">本场次暂无公开的工单。</p>'
    body = f"""
<section class="panel result">
  <dl>
    <dt>接听领导</dt><dd>{esc(found["unit_name"])} {esc(found["leader_name"])}</dd>
    <dt>接听时间</dt><dd>{esc(found["date"])} {esc(found["start"])}–{esc(found["end"])}</dd>
    <dt>主题</dt><dd>{esc(found["topic"])}</dd>
    <dt>工单数</dt><dd>{len(found["tickets"])}</dd>
  </dl>
</section>
<p class="hint">来电诉求当天转交承办单位前往调查。公开内容不含姓名、电话、门牌号；保密件不公开。</p>
<div class="tickets">{cards}</div>"""
    return html_response(f"领导接听日：{found['topic']}", body, active="leader")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/public/leader-sessions", schedule_page)
    app.router.add_get(r"/public/leader-sessions/{session_id}", session_page)
