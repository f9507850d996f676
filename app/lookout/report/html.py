"""The HTML format: one self-contained page from ``resources/report.html.j2``.

Inline CSS, charts as PNG data URIs, no external fonts, scripts or links, so it
reads offline and prints cleanly. Jinja2 escapes every value, so a redaction
placeholder like ``<EMAIL_ADDRESS>`` shows as text. The same template, with
``pdf=True``, feeds Qt's rich-text engine for the PDF. No Qt here: chart images
arrive as bytes from :mod:`lookout.report.render_qt`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import jinja2

from lookout.report import fmt
from lookout.report.model import Report, Unavailable

TEMPLATE = "report.html.j2"
# Width of charts in the page, CSS pixels (images are drawn at twice this for print).
CHART_WIDTH = 900


@dataclass(frozen=True, slots=True)
class Images:
    """PNG bytes for the charts (by chart key) and the error-group sparklines (by group id)."""

    charts: Mapping[str, bytes] = field(default_factory=dict)
    sparklines: Mapping[str, bytes] = field(default_factory=dict)


def render_html(
    report: Report, images: Images | None = None, *, pdf: bool = False, chart_width: int = CHART_WIDTH
) -> str:
    """The report as an HTML document (``pdf=True``: the variant Qt's rich-text engine lays out)."""
    images = images or Images()
    return _template().render(
        r=report,
        h=report.header,
        images={key: data_uri(png) for key, png in images.charts.items()},
        sparklines={key: data_uri(png) for key, png in images.sparklines.items()},
        pdf=pdf,
        chart_width=chart_width,
        approximate_note=fmt.APPROXIMATE_NOTE,
    )


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@cache
def _template() -> jinja2.Template:
    source = resources.files("lookout.resources").joinpath(TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
    env.filters.update(
        when=fmt.when,
        count=fmt.count,
        ratio=fmt.ratio,
        ms=fmt.ms,
        usd=fmt.usd,
        tokens=fmt.tokens,
        model=fmt.model_name,
        sparkline=fmt.sparkline,
        change=fmt.change,
        tone=fmt.tone,
        kpi_value=fmt.kpi_value,
    )
    env.tests["unavailable"] = lambda value: isinstance(value, Unavailable)
    return env.from_string(source)
