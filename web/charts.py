"""Charts drawn on the server as inline SVG: nothing to fetch from a CDN, nothing to run in the
browser, and a page prints or saves with its pictures. Three shapes cover the dashboards: a line
over days, horizontal bars per name, and a heat map of a count table.

Every text is escaped; the output is markup to place as-is (markupsafe.Markup).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 720
FONT = 'font-family="sans-serif" font-size="12"'
ACCENT = "#2563eb"
GRID = "#e5e7eb"


def _svg(height: int, body: list[str], label: str, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _middle(x: float, y: float, fill: str, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{fill}">{text}</text>'


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def line_chart(label: str, points: Sequence[tuple[str, float | None]], unit: str = "") -> Markup:
    """One series over ordered labels (days); a None leaves a gap in the line."""
    height, left, right, top, bottom = 240, 48, 12, 16, 36
    values = [v for _, v in points if v is not None]
    peak = max(values, default=0) or 1
    span_x = max(len(points) - 1, 1)
    plot_w, plot_h = WIDTH - left - right, height - top - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / span_x, top + plot_h * (1 - v / peak)

    body = [f'<g {FONT} fill="#6b7280">']
    for share in (0, 0.5, 1):
        y = top + plot_h * (1 - share)
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(peak * share)}{unit}</text>'
        )
    step = max(1, len(points) // 8)
    for i, (name, _) in enumerate(points):
        if i % step == 0 or i == len(points) - 1:
            x, _y = xy(i, 0)
            body.append(
                f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{escape(name[-5:])}</text>'
            )
    body.append("</g>")
    segments: list[list[str]] = [[]]
    for i, (_, v) in enumerate(points):
        if v is None:
            segments.append([])
            continue
        x, y = xy(i, v)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{ACCENT}"/>')
    for segment in segments:
        if len(segment) > 1:
            body.append(
                f'<polyline fill="none" stroke="{ACCENT}" stroke-width="2" points="{" ".join(segment)}"/>'
            )
    return _svg(height, body, label)


def bar_chart(
    label: str, bars: Sequence[tuple[str, float | None]], unit: str = "", limit: float | None = None
) -> Markup:
    """Horizontal bars, one per name, in the given order; `limit` fixes the scale (100 for rates)."""
    row, left, right, top = 24, 190, 64, 8
    height = top * 2 + row * max(len(bars), 1)
    peak = limit or max((v for _, v in bars if v is not None), default=0) or 1
    plot_w = WIDTH - left - right
    body = [f"<g {FONT}>"]
    for i, (name, value) in enumerate(bars):
        y = top + i * row
        body.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" fill="#374151">{escape(name[:14])}</text>'
        )
        if value is None:
            body.append(f'<text x="{left + 4}" y="{y + 16}" fill="#9ca3af">无数据</text>')
            continue
        w = plot_w * min(value, peak) / peak
        body.append(
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" rx="2" fill="{ACCENT}"/>'
        )
        body.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}" fill="#111827">{_number(value)}{unit}</text>')
    body.append("</g>")
    return _svg(height, body, label)


def heat_map(
    label: str, rows: Sequence[str], columns: Sequence[str], cell: dict[tuple[str, str], int]
) -> Markup:
    """A count table as shaded cells: darker is more (category × district hotspots)."""
    row_h, col_w, left, top = 26, 72, 170, 30
    width = max(WIDTH, left + col_w * len(columns) + 8)
    height = top + row_h * max(len(rows), 1) + 8
    peak = max(cell.values(), default=0) or 1
    body = [f"<g {FONT}>"]
    for j, column in enumerate(columns):
        x = left + j * col_w + col_w / 2
        body.append(_middle(x, top - 10, "#374151", escape(column[:6])))
    for i, name in enumerate(rows):
        y = top + i * row_h
        body.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" fill="#374151">{escape(name[:12])}</text>'
        )
        for j, column in enumerate(columns):
            count = cell.get((name, column), 0)
            shade = count / peak
            fill = f"rgba(220,38,38,{0.08 + 0.85 * shade:.2f})" if count else "#f9fafb"
            x = left + j * col_w
            body.append(f'<rect x="{x}" y="{y}" width="{col_w - 2}" height="{row_h - 2}" fill="{fill}"/>')
            ink = "#ffffff" if shade > 0.55 else "#111827"
            body.append(_middle(x + col_w / 2 - 1, y + 17, ink, str(count)))
    body.append("</g>")
    return _svg(height, body, label, width)
