"""The QR rating page (`/public/rate/{token}`): one scan, one rating, in Chinese, on a phone.

Server-rendered and working without JavaScript, like every public page; no login — the token in the
address is the credential, it rates once and expires. The QR images (`qr.svg`, `qr.png`) encode the
page's address and are printed on the closure notice or shown at the window.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import segno
from aiohttp import web
from multidict import MultiDictProxy

from dispatch.bad_ratings import rectification_feedback
from dispatch.ratings import rate_by_qr
from ticketing.errors import HotlineError
from ticketing.evaluations import BAD_REASONS, GOOD_REASONS, MAX_COMMENT_CHARS, is_bad, parse_rating
from ticketing.models import OrgUnit, RatingToken, ServiceWindow, Ticket
from ticketing.rating_tokens import TICKET, open_token, spent_evaluation_id
from ticketing.vocabulary import RatingLevel
from web.keys import DB_KEY
from web.public_html import errors_block, esc, html_response, message_page

TITLE = "服务评价"


def page_url(request: web.Request, token: str) -> str:
    return f"{request.scheme}://{request.host}/public/rate/{token}"


def _subject(session: Any, row: RatingToken) -> str:
    unit = session.get_one(OrgUnit, row.unit_id).name
    if row.kind == TICKET and row.ticket_id is not None:
        return f"工单 {session.get_one(Ticket, row.ticket_id).number} 的办理（{unit}）"
    window = session.get_one(ServiceWindow, row.window_id) if row.window_id else None
    return f"{unit} {window.name}" if window else unit


def _subject_of(request: web.Request, token: str) -> str:
    with request.app[DB_KEY].read_session() as session:
        return _subject(session, open_token(session, token))


def _form(token: str, subject: str, values: dict[str, Any], errors: list[str]) -> str:
    chosen = values.get("level")
    levels = "".join(
        f'<label class="choice"><input type="radio" name="level" value="{level.value}" required'
        f"{' checked' if chosen == level.value else ''}><span>{level.label}</span></label>"
        for level in RatingLevel
    )
    picked = set(values.get("reasons") or [])
    reasons = "".join(
        f'<label class="choice small"><input type="checkbox" name="reasons" value="{esc(r)}"'
        f"{' checked' if r in picked else ''}><span>{esc(r)}</span></label>"
        for r in (*GOOD_REASONS, *BAD_REASONS)
    )
    return f"""
{errors_block(errors)}
<form class="panel narrow rating" method="post" action="/public/rate/{esc(token)}" data-once>
  <p>请对 <strong>{esc(subject)}</strong> 的服务作出评价（每个二维码只能评价一次）。</p>
  <fieldset><legend>总体评价 <em>必选</em></legend><div class="choices">{levels}</div></fieldset>
  <fieldset><legend>评价原因（可多选）</legend><div class="choices">{reasons}</div></fieldset>
  <label>意见建议（可不填）<textarea name="comment" rows="3"
    maxlength="{MAX_COMMENT_CHARS}">{esc(values.get("comment"))}</textarea></label>
  <label>联系电话（可不填）<input name="phone" type="tel" inputmode="tel" maxlength="20" autocomplete="tel"
    value="{esc(values.get("phone"))}" placeholder="留下电话，我们将回访并反馈整改结果"></label>
  <p class="hint">您的电话只用于回访，不会告知被评价的单位和工作人员。</p>
  <button type="submit">提交评价</button>
</form>"""


def _follow_up(request: web.Request, token: str) -> str | None:
    with request.app[DB_KEY].read_session() as session:
        evaluation_id = spent_evaluation_id(session, token)
        return rectification_feedback(session, evaluation_id) if evaluation_id is not None else None


async def rate_page(request: web.Request) -> web.Response:
    """The form; for a spent code, the rater's feedback: how their 差评 was rectified."""
    token = request.match_info["token"]
    try:
        subject = await asyncio.to_thread(_subject_of, request, token)
    except HotlineError as error:
        message = error.message
        if error.code == "rating_token_used":
            feedback = await asyncio.to_thread(_follow_up, request, token)
            message = f"{message}。{feedback}" if feedback else message
        return message_page(TITLE, message, status=error.http_status)
    return html_response(TITLE, _form(token, subject, {}, []))


def _values(form: MultiDictProxy[Any]) -> dict[str, Any]:
    return {
        "level": form.get("level"),
        "reasons": [r for r in form.getall("reasons", []) if isinstance(r, str)],
        "comment": form.get("comment") or None,
        "phone": form.get("phone") or None,
    }


async def rate_post(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    values = _values(await request.post())
    db = request.app[DB_KEY]
    try:
        rating = parse_rating({k: v for k, v in values.items() if isinstance(v, str | list)})
        accepted = await asyncio.to_thread(rate_by_qr, db, token, rating)
    except HotlineError as error:
        if error.http_status != 422:
            return message_page(TITLE, error.message, status=error.http_status)
        return await _form_again(request, token, values, error.message)
    message = f"感谢您的评价：{RatingLevel(accepted.level).label}。"
    if is_bad(accepted.level):
        message += "您的意见已转交责任单位核实整改，整改结果将向您反馈。"
    return message_page("评价成功", message, status=201)


async def _form_again(request: web.Request, token: str, values: dict[str, Any], problem: str) -> web.Response:
    try:
        subject = await asyncio.to_thread(_subject_of, request, token)
    except HotlineError as error:
        return message_page(TITLE, error.message, status=error.http_status)
    return html_response(TITLE, _form(token, subject, values, [problem]), status=422)


async def qr_image(request: web.Request) -> web.Response:
    """The page's QR code; only for a token that can still rate (a spent code is not reprinted)."""
    token, kind = request.match_info["token"], request.match_info["kind"]
    try:
        await asyncio.to_thread(_subject_of, request, token)
    except HotlineError as error:
        return message_page(TITLE, error.message, status=error.http_status)
    out = io.BytesIO()
    segno.make(page_url(request, token), error="m").save(out, kind=kind, scale=6, border=2)
    content_type = "image/svg+xml" if kind == "svg" else "image/png"
    response = web.Response(body=out.getvalue(), content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/public/rate/{token}", rate_page)
    app.router.add_post("/public/rate/{token}", rate_post)
    app.router.add_get(r"/public/rate/{token}/qr.{kind:svg|png}", qr_image)
