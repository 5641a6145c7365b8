"""The public pages' HTML frame: one layout, Simplified Chinese, every asset served from here.

Pages are small and few, so they are built from strings; every value that did not come from this
module goes through `esc` (citizens' text is shown back to citizens).
"""

from __future__ import annotations

from html import escape

from aiohttp import web

STATIC_PREFIX = "/public/static"
NAV = (
    ("/public/submit", "submit", "我要反映"),
    ("/public/lookup", "lookup", "进度查询"),
    ("/public/tickets", "tickets", "办件公开"),
    ("/public/leader-sessions", "leader", "领导接听日"),
)


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def layout(title: str, body: str, *, active: str = "") -> str:
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if key == active else ""}>{label}</a>'
        for href, key, label in NAV
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - 12345 政务服务便民热线</title>
<link rel="stylesheet" href="{STATIC_PREFIX}/public.css">
<script src="{STATIC_PREFIX}/public.js" defer></script>
</head>
<body>
<header class="site">
  <div class="wrap">
    <a class="brand" href="/public/"><span class="logo">12345</span><span>政务服务便民热线</span></a>
    <nav>{links}</nav>
  </div>
</header>
<main class="wrap">
<h1>{esc(title)}</h1>
{body}
</main>
<footer class="site"><div class="wrap">
  全天候服务热线 12345 · 紧急情况请拨打 110 / 119 / 120 / 122 · 本页面不收集除诉求办理以外的个人信息
</div></footer>
</body>
</html>
"""


def html_response(title: str, body: str, *, active: str = "", status: int = 200) -> web.Response:
    response = web.Response(text=layout(title, body, active=active), status=status, content_type="text/html")
    # Pages with a form token or someone's progress must not be served from a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(title: str, message: str, *, status: int = 200, back: str = "") -> web.Response:
    link = f'<p><a class="button secondary" href="{esc(back)}">返回</a></p>' if back else ""
    body = f'<div class="notice {"error" if status >= 400 else "ok"}"><p>{esc(message)}</p></div>{link}'
    return html_response(title, body, status=status)


def errors_block(messages: list[str]) -> str:
    if not messages:
        return ""
    if len(messages) == 1:
        return f'<div class="notice error" role="alert"><p>{esc(messages[0])}</p></div>'
    items = "".join(f"<li>{esc(m)}</li>" for m in messages)
    return f'<div class="notice error" role="alert"><ul>{items}</ul></div>'
