"""The citizens' pages under `/public/`: submit a request, look up its progress, the public list.

Server-rendered, no login, working without JavaScript (the small script only adds conveniences).
Every answer is a page, also errors: a citizen at a browser never sees JSON.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from ticketing.errors import HotlineError
from ticketing.submission import MAX_ADDRESS_CHARS, MAX_CONTENT_CHARS, MAX_NAME_CHARS
from web import form_tokens
from web.keys import DATA_DIR_KEY, DB_KEY, REDIS_KEY
from web.public_api import NOT_FOUND, find_progress, list_query
from web.public_html import STATIC_PREFIX, errors_block, esc, html_response, message_page
from web.public_submit import PUBLIC_TYPES, parse_request, read_photo, submit_public
from web.public_view import check_lookup, districts, public_list
from web.rate_limit import RateLimited

STATIC_DIR = Path(__file__).parent / "public" / "static"


def _local(moment: str | None) -> str:
    """'2026-11-23T14:05:09.123+08:00' -> '2026-11-23 14:05' (all times are Beijing time)."""
    return moment[:16].replace("T", " ") if moment else ""


async def index(request: web.Request) -> web.Response:
    body = """
<p class="lead">市民、企业的非紧急诉求，可拨打 12345，也可以在这里在线反映、查询办理进度。</p>
<div class="cards">
  <a class="card" href="/public/submit"><strong>我要反映</strong>
    <span>咨询、求助、投诉、举报、建议、表扬</span></a>
  <a class="card" href="/public/lookup"><strong>进度查询</strong>
    <span>凭工单编号和联系电话后四位查询</span></a>
  <a class="card" href="/public/tickets"><strong>办件公开</strong>
    <span>近期诉求的办理情况与答复</span></a>
</div>"""
    return html_response("在线服务", body)


def _options(selected: str | None) -> str:
    options = ['<option value="">请选择（可不选）</option>']
    for kind in PUBLIC_TYPES:
        mark = " selected" if kind.value == selected else ""
        options.append(f'<option value="{kind.value}"{mark}>{kind.label}</option>')
    return "".join(options)


def _submit_form(token: str, values: Mapping[str, Any], errors: list[str]) -> str:
    def v(name: str) -> str:
        return esc(values.get(name) or "")

    return f"""
{errors_block(errors)}
<form class="panel" method="post" action="/public/submit" enctype="multipart/form-data" data-once>
  <input type="hidden" name="{form_tokens.FIELD}" value="{esc(token)}">
  <div class="row three">
    <label>诉求类型<select name="ticket_type">{_options(values.get("ticket_type"))}</select></label>
    <label>联系电话 <em>必填</em><input name="contact_phone" type="tel" inputmode="tel" required
      maxlength="20" autocomplete="tel" value="{v("contact_phone")}" placeholder="手机或固定电话"></label>
    <label>姓名（可不填）<input name="contact_name" maxlength="{MAX_NAME_CHARS}" autocomplete="name"
      value="{v("contact_name")}"></label>
  </div>
  <label>诉求内容 <em>必填</em>
    <textarea name="content" rows="5" required maxlength="{MAX_CONTENT_CHARS}"
      placeholder="请写明事情经过、发生的时间和地点，以及您的具体诉求">{v("content")}</textarea></label>
  <label>发生地点（可不填）<input name="address" maxlength="{MAX_ADDRESS_CHARS}" value="{v("address")}"
      placeholder="如：某区某街道某小区附近"></label>
  <div class="row location">
    <input type="hidden" name="latitude" value="{v("latitude")}">
    <input type="hidden" name="longitude" value="{v("longitude")}">
    <button type="button" class="secondary" data-locate hidden>使用我当前的位置</button>
    <span class="hint" data-locate-status></span>
  </div>
  <div class="field">现场照片（可不传，JPG/PNG/WebP，不超过 20 MB）
    <label class="file"><input name="photo" type="file" accept="image/jpeg,image/png,image/webp">
      <span class="button secondary">选择照片</span><span class="hint" data-file-name></span></label>
  </div>
  <p class="hint">电话号码仅用于办理单位联系您和查询进度，不会公开；公开的办件信息不含姓名、电话和门牌号。</p>
  <button type="submit">提交诉求</button>
</form>"""


async def _form_page(
    request: web.Request, values: Mapping[str, Any], errors: list[str], status: int = 200
) -> web.Response:
    nonce = form_tokens.cookie_nonce(request)
    token = await form_tokens.issue(request.app[REDIS_KEY], nonce)
    response = html_response("我要反映", _submit_form(token, values, errors), active="submit", status=status)
    form_tokens.set_cookie(request, response, nonce)
    return response


async def submit_form(request: web.Request) -> web.Response:
    return await _form_page(request, {}, [])


async def submit_post(request: web.Request) -> web.Response:
    form = await request.post()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        photo = await read_photo(form.get("photo"))
        key = await form_tokens.verify(request.app[REDIS_KEY], request, values.get(form_tokens.FIELD, ""))
        req = parse_request(values, photo)
        result = await asyncio.to_thread(
            submit_public, request.app[DB_KEY], request.app[DATA_DIR_KEY], req, key
        )
    except HotlineError as error:
        return await _form_page(request, values, [error.message], status=error.http_status)
    body = f"""
<div class="notice ok" role="status">
  <p>您的诉求已受理。工单编号：</p>
  <p class="ticket-number">{esc(result.number)}</p>
  <p>请记下工单编号。凭工单编号和联系电话后四位，可随时<a href="/public/lookup">查询办理进度</a>。
     一般诉求在 5 个工作日内答复。</p>
</div>
<p><a class="button secondary" href="/public/submit">再反映一件事</a></p>"""
    return html_response("提交成功", body, active="submit", status=201 if result.created else 200)


def _lookup_form(number: str, errors: list[str]) -> str:
    return f"""
{errors_block(errors)}
<form class="panel narrow" method="post" action="/public/lookup">
  <label>工单编号<input name="number" inputmode="numeric" pattern="[0-9]{{14}}" maxlength="14" required
    value="{esc(number)}" placeholder="14 位数字"></label>
  <label>联系电话后四位<input name="phone_last4" inputmode="numeric" pattern="[0-9]{{4}}" maxlength="4"
    required autocomplete="off" placeholder="提交诉求时留的电话"></label>
  <button type="submit">查询</button>
</form>"""


async def lookup_form(request: web.Request) -> web.Response:
    return html_response("进度查询", _lookup_form("", []), active="lookup")


def _steps(timeline: list[dict[str, Any]]) -> str:
    return "".join(
        f"<li><time>{esc(_local(step['at']))}</time><span>{esc(step['label'])}</span></li>"
        for step in timeline
    )


def _progress(found: dict[str, Any]) -> str:
    steps = _steps(found["timeline"])
    if found["reply"]:
        reply = f'<h2>答复内容</h2><div class="reply">{esc(found["reply"])}</div>'
    elif found["confidential"] and found["status"] == "closed":
        reply = '<p class="hint">该诉求为保密件，答复内容请致电 12345 查询。</p>'
    else:
        reply = ""
    return f"""
<section class="panel result">
  <p class="ticket-number">{esc(found["number"])}
    <span class="status {esc(found["status"])}">{esc(found["status_label"])}</span></p>
  <dl>
    <dt>诉求类型</dt><dd>{esc(found["type_label"])}</dd>
    <dt>问题分类</dt><dd>{esc(found["category"] or "待分类")}</dd>
    <dt>所属区域</dt><dd>{esc(found["district"] or "—")}</dd>
    <dt>当前办理单位</dt><dd>{esc(found["handling_unit"] or "—")}</dd>
    <dt>受理时间</dt><dd>{esc(_local(found["created_at"]))}</dd>
  </dl>
  <h2>办理进度</h2>
  <ol class="timeline">{steps}</ol>
  {reply}
</section>
<p><a class="button secondary" href="/public/lookup">查询其他工单</a></p>"""


async def lookup_post(request: web.Request) -> web.Response:
    form = await request.post()
    number, last4 = str(form.get("number") or ""), str(form.get("phone_last4") or "")
    try:
        number, last4 = check_lookup(number, last4)
    except HotlineError as error:
        return html_response("进度查询", _lookup_form(number, [error.message]), active="lookup", status=422)
    try:
        found = await find_progress(request, number, last4)
    except RateLimited as error:
        response = message_page("请求过于频繁", error.message, status=429, back="/public/lookup")
        response.headers["Retry-After"] = str(error.seconds)
        return response
    if found is None:
        return html_response("进度查询", _lookup_form(number, [NOT_FOUND]), active="lookup", status=404)
    return html_response("办理进度", _progress(found), active="lookup")


def _card(item: dict[str, Any]) -> str:
    reply = f'<p class="reply">{esc(item["reply"])}</p>' if item["reply"] else ""
    closed = f" · 办结 {esc(_local(item['closed_at']))}" if item["closed_at"] else ""
    return f"""
<article class="ticket">
  <header><span class="status {esc(item["status"])}">{esc(item["status_label"])}</span>
    <strong>{esc(item["category"] or "待分类")}</strong>
    <span class="district">{esc(item["district"] or "")}</span></header>
  <p class="meta">{esc(item["type_label"])} · 受理 {esc(_local(item["created_at"]))}{closed}</p>
  <ol class="timeline compact">{_steps(item["timeline"])}</ol>
  {reply}
</article>"""


def _filters(request: web.Request, options: list[dict[str, str]]) -> str:
    status, district = request.query.get("status", ""), request.query.get("district", "")
    statuses = [("", "全部状态"), ("open", "办理中"), ("closed", "已办结")]
    status_html = "".join(
        f'<option value="{v}"{" selected" if v == status else ""}>{label}</option>' for v, label in statuses
    )
    district_html = '<option value="">全部区县</option>' + "".join(
        f'<option value="{esc(d["code"])}"{" selected" if d["code"] == district else ""}>'
        f"{esc(d['name'])}</option>"
        for d in options
    )
    return f"""
<form class="filters" method="get" action="/public/tickets">
  <select name="status" aria-label="办理状态">{status_html}</select>
  <select name="district" aria-label="区县">{district_html}</select>
  <button type="submit" class="secondary">筛选</button>
</form>"""


async def ticket_list(request: web.Request) -> web.Response:
    try:
        query = list_query(request)
    except HotlineError as error:
        return message_page("办件公开", error.message, status=error.http_status, back="/public/tickets")
    db = request.app[DB_KEY]

    def load() -> tuple[dict[str, Any], list[dict[str, str]]]:
        with db.read_session() as session:
            return public_list(session, query), districts(session)

    try:
        page, options = await asyncio.to_thread(load)
    except HotlineError as error:
        return message_page("办件公开", error.message, status=error.http_status, back="/public/tickets")
    cards = "".join(_card(item) for item in page["items"]) or '<p class="hint">暂无符合条件的办件。</p>'
    params = {k: v for k, v in request.query.items() if k in ("status", "district") and v}
    pager = []
    if query.page > 1:
        previous = request.rel_url.with_query({**params, "page": query.page - 1})
        pager.append(f'<a href="{esc(previous)}">上一页</a>')
    if page["has_more"]:
        following = request.rel_url.with_query({**params, "page": query.page + 1})
        pager.append(f'<a href="{esc(following)}">下一页</a>')
    body = f"""
<p class="hint">公开近期诉求的分类、区域、办理状态和答复，不含姓名、电话、门牌号等个人信息；保密件不公开。</p>
{_filters(request, options)}
<div class="tickets">{cards}</div>
<nav class="pager">{"".join(pager)}</nav>"""
    return html_response("办件公开", body, active="tickets")


async def redirect_index(request: web.Request) -> web.Response:
    raise web.HTTPFound("/public/")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/public", redirect_index)
    app.router.add_get("/public/", index)
    app.router.add_get("/public/submit", submit_form)
    app.router.add_post("/public/submit", submit_post)
    app.router.add_get("/public/lookup", lookup_form)
    app.router.add_post("/public/lookup", lookup_post)
    app.router.add_get("/public/tickets", ticket_list)
    app.router.add_static(STATIC_PREFIX, STATIC_DIR, append_version=False)
