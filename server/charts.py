"""Bar charts as inline SVG, rendered on the server (no JavaScript, nothing fetched).

Pure functions: numbers and labels in, an SVG fragment out, as ``Markup`` so
that Jinja2 inserts it as it is. Every text that goes into the SVG is escaped
here (labels come from contributors). Each chart is an ``img`` for assistive
technology, named by its ``<title>`` and described by its ``<desc>``; each bar
carries its label and value as text, and a ``<title>`` of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 22  # height of one horizontal bar's row
LABEL_WIDTH = 190
BAR_WIDTH = 380
VALUE_WIDTH = 60
LABEL_CHARS = 28  # longer labels are cut (the full text is in the bar's <title>)
COLUMN = 34  # width of one vertical column
COLUMN_HEIGHT = 180


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _cut(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: list[str]) -> Markup:
    ident = _text(chart_id)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{_text(title)}</title>'
        f'<desc id="{ident}-desc">{_text(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar], empty: str = "—") -> Markup:
    """Horizontal bars, one row per bar, longest scaled to the full width."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    if not bars:
        body = [f'<text x="0" y="16" class="empty">{_text(empty)}</text>']
        return _frame(chart_id, title, description, width, ROW + 4, body)
    top = max(max(bar.value for bar in bars), 1)
    body = []
    for row, bar in enumerate(bars):
        y = row * ROW
        length = round(BAR_WIDTH * max(bar.value, 0) / top)
        body.append(
            f'<g class="bar"><title>{_text(bar.label)}: {_text(bar.value)}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{_text(_cut(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{ROW - 6}"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 15}" class="value">{_text(bar.value)}</text></g>'
        )
    return _frame(chart_id, title, description, width, len(bars) * ROW + 4, body)


def column_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], empty: str = "—"
) -> Markup:
    """Vertical columns in order (a time series), values above, labels below."""
    if not bars:
        body = [f'<text x="0" y="16" class="empty">{_text(empty)}</text>']
        return _frame(chart_id, title, description, LABEL_WIDTH + BAR_WIDTH, ROW + 4, body)
    top = max(max(bar.value for bar in bars), 1)
    base = COLUMN_HEIGHT + 20  # the axis: value text above the tallest column, labels below
    width = max(len(bars) * (COLUMN + 8) + 8, 120)
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" class="axis"/>']
    for index, bar in enumerate(bars):
        x = 8 + index * (COLUMN + 8)
        height = round(COLUMN_HEIGHT * max(bar.value, 0) / top)
        middle = x + COLUMN // 2
        body.append(
            f'<g class="bar"><title>{_text(bar.label)}: {_text(bar.value)}</title>'
            f'<rect x="{x}" y="{base - height}" width="{COLUMN}" height="{height}"/>'
            f'<text x="{middle}" y="{base - height - 4}" text-anchor="middle" class="value">{_text(bar.value)}</text>'
            f'<text x="{middle}" y="{base + 14}" text-anchor="middle" class="tick">{_text(_cut(bar.label, 8))}</text></g>'
        )
    return _frame(chart_id, title, description, width, base + 22, body)
