"""The inspector's two small timing pictures: the phases of a call, and when each chunk arrived.

Lookout times a call from the moment the proxy got the request. It knows when
the first byte of the response arrived (a stream's first chunk), when the first
generated content arrived (TTFT) and when the call ended. It does not time the
TCP/TLS connect on its own, so the first phase is "connect + wait".
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lookout.ui import theme


@dataclass(frozen=True, slots=True)
class Phase:
    label: str
    start_ms: float
    end_ms: float

    @property
    def duration_ms(self) -> float:
        return self.end_ms - self.start_ms


def phases(latency_ms: float | None, first_byte_ms: float | None, ttft_ms: float | None) -> list[Phase]:
    """The call's phases in order, from what was measured; empty when the latency is unknown."""
    if latency_ms is None or latency_ms <= 0:
        return []
    marks: list[tuple[str, float]] = []
    if (
        first_byte_ms is not None
        and (ttft_ms is None or first_byte_ms < ttft_ms)
        and first_byte_ms < latency_ms
    ):
        marks.append(("connect + wait", first_byte_ms))
    if ttft_ms is not None and ttft_ms <= latency_ms:
        marks.append(("first token" if marks else "to first token", ttft_ms))
    result, start = [], 0.0
    for label, end in marks:
        result.append(Phase(label, start, end))
        start = end
    result.append(Phase("generation" if ttft_ms is not None else "response", start, latency_ms))
    return result


def chunk_summary(times: list[float]) -> str:
    """ "N chunks · median gap · longest gap" for a stream's arrival times."""
    if not times:
        return "No chunk times stored (not a stream, or the body was not kept)"
    gaps = [b - a for a, b in itertools.pairwise(times)]
    text = f"{len(times)} chunks"
    if gaps:
        text += f" · median gap {statistics.median(gaps):.0f} ms · longest gap {max(gaps):.0f} ms"
    return text


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


class TimingBar(QWidget):
    """A horizontal bar split into the call's phases, labelled with their durations."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._phases: list[Phase] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        theme.watcher().changed.connect(self._restyle)

    def sizeHint(self) -> QSize:
        return QSize(320, 44)

    def _restyle(self, _palette: theme.Palette) -> None:
        self.update()

    def set_phases(self, value: list[Phase]) -> None:
        self._phases = value
        self.setToolTip("\n".join(f"{p.label}: {_ms(p.duration_ms)}" for p in value))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._phases:
            return
        p = theme.palette()
        painter = QPainter(self)
        total = self._phases[-1].end_ms
        width = self.width() - 2
        legend_x = 1.0
        metrics = painter.fontMetrics()
        for i, phase in enumerate(self._phases):
            color = p.qcolor(p.series_color(i))
            x = 1 + width * phase.start_ms / total
            painter.fillRect(QRectF(x, 2, max(2.0, width * phase.duration_ms / total), 16), color)
            # The legend runs below the bar: short phases have no room for their own label.
            painter.fillRect(QRectF(legend_x, 26, 10, 10), color)
            label = f"{phase.label} {_ms(phase.duration_ms)}"
            painter.setPen(QPen(p.qcolor(p.foreground)))
            painter.drawText(QRectF(legend_x + 14, 22, width, 18), Qt.AlignmentFlag.AlignLeft, label)
            legend_x += 14 + metrics.horizontalAdvance(label) + 16
        painter.end()


class ChunkTimeline(QWidget):
    """One tick per stream chunk on the call's time axis, with the TTFT marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._times: list[float] = []
        self._ttft: float | None = None
        self._end = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        theme.watcher().changed.connect(self._restyle)

    def sizeHint(self) -> QSize:
        return QSize(320, 28)

    def _restyle(self, _palette: theme.Palette) -> None:
        self.update()

    def set_chunks(self, times: list[float], ttft_ms: float | None, latency_ms: float | None) -> None:
        self._times, self._ttft = times, ttft_ms
        self._end = max([latency_ms or 0.0, *times]) if times else 0.0
        self.setToolTip(chunk_summary(times))
        self.setVisible(bool(times))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._times or self._end <= 0:
            return
        p = theme.palette()
        painter = QPainter(self)
        width, height = self.width() - 2, self.height()
        painter.setPen(QPen(p.qcolor(p.grid)))
        painter.drawLine(1, height // 2, width + 1, height // 2)
        painter.setPen(QPen(p.qcolor(p.accent), 1))
        for t in self._times:
            x = 1 + width * t / self._end
            painter.drawLine(int(x), 6, int(x), height - 6)
        if self._ttft is not None:
            x = 1 + width * self._ttft / self._end
            painter.setPen(QPen(p.qcolor(p.warning), 2))
            painter.drawLine(int(x), 0, int(x), height)
        painter.end()
