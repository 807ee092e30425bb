"""The home page's charts: SVG drawn on the server by pygal and put into the page (ADR 0037).

They show with JavaScript off, print, and ship with the install (no CDN). The page's Content
Security Policy allows no inline script or style, so what pygal adds for its own JavaScript
tooltips (a script, a style sheet, style attributes, tooltip data) is taken out of the drawing;
the look is in ``yusuan.css`` (``.chart``) and a bar's tooltip is its SVG ``<title>``.

The drawing is a picture for the eye: it is hidden from screen readers and its links are out of
the tab order, because the table under it says the same with the same links (the accessible
equivalent, and the fallback).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

import pygal
from lxml import etree
from pygal.util import compute_scale

XLINK = "{http://www.w3.org/1999/xlink}"
LABEL_FONT = 13  # in the drawing's units: a 1000-unit wide chart fills about 1000 px
# What pygal draws only for its JavaScript (hover tooltips) or its own inline styles.
DROPPED = {"script", "style", "desc"}  # pygal's tags have no namespace (the root declares it)


@dataclass(frozen=True)
class Bar:
    """One bar: ``label`` on the axis, ``text`` the whole statement (its tooltip), ``href``
    where it leads (the rows behind it)."""

    label: str
    value: float
    text: str
    href: str = ""


def _text_width(text: str, font_size: float) -> float:
    """Chinese characters are a full em wide; pygal reckons every character at 0.6 em."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return (wide + 0.6 * (len(text) - wide)) * font_size


def _config(**options: Any) -> pygal.Config:
    config = pygal.Config(
        js=[],  # pygal's tooltip script would come from its CDN
        css=[],
        disable_xml_declaration=True,
        no_prefix=True,  # plain class names, styled by yusuan.css
        show_legend=False,
        margin=12,
        spacing=8,
        explicit_size=False,
        style=pygal.style.Style(
            label_font_size=LABEL_FONT, major_label_font_size=LABEL_FONT, value_font_size=12
        ),
    )
    for name, value in options.items():
        setattr(config, name, value)
    return config


def _svg(chart: Any, *, name: str, tooltips: Sequence[str], tone: int = 0) -> SafeString:
    """The drawing without pygal's script, styles and tooltip data, each bar titled, hidden
    from screen readers (the table under it is what they read)."""
    tree = chart.render_tree()
    for node in list(tree.iter()):
        if not isinstance(node.tag, str) or node.tag in DROPPED:  # comments, script, styles
            node.getparent().remove(node)
    for node in list(tree.iter("title")):
        # pygal's "Pygal" for the whole drawing, an axis label's internal value
        if node.getparent() is tree or node.getparent().get("class") == "guides":
            node.getparent().remove(node)
    for node in tree.xpath("//*[@class='tooltip']"):
        node.getparent().remove(node)
    for node in tree.iter():
        node.attrib.pop("style", None)
    tree.set("id", name)
    tree.set("class", f"chart-svg tone-{tone}")
    tree.set("aria-hidden", "true")
    tree.set("focusable", "false")
    rects = tree.xpath("//*[contains(concat(' ', @class, ' '), ' rect ')]")
    for rect, tooltip in zip(rects, tooltips, strict=False):
        title = etree.Element("title")
        title.text = tooltip
        rect.getparent().insert(0, title)
    for link in tree.iter("a"):
        link.set("tabindex", "-1")  # the table's link is the one for the keyboard
        link.attrib.pop("target", None)
        link.set("href", link.attrib.pop(f"{XLINK}href", ""))
    etree.cleanup_namespaces(tree)
    drawn: str = etree.tostring(tree, encoding="unicode")
    return mark_safe(drawn)  # noqa: S308 - serialised by lxml, which escapes every text


# Drawn charts by everything that shapes them (bars, sizes, the formatted numbers): pygal takes
# ~20 ms a chart and the district picture has three on every finance user's home page, while
# its figures change a few times a day. Same key, same drawing, so a cached one is never stale.
_DRAWN: OrderedDict[Hashable, SafeString] = OrderedDict()
_DRAWN_MOST = 128
_DRAWN_LOCK = threading.Lock()


def _drawn(key: Hashable, draw: Callable[[], SafeString]) -> SafeString:
    with _DRAWN_LOCK:
        found = _DRAWN.get(key)
        if found is not None:
            _DRAWN.move_to_end(key)
            return found
    drawing = draw()
    with _DRAWN_LOCK:
        _DRAWN[key] = drawing
        while len(_DRAWN) > _DRAWN_MOST:
            _DRAWN.popitem(last=False)
    return drawing


def horizontal_bars(
    bars: Sequence[Bar],
    *,
    name: str,
    maximum: float,
    value_text: Callable[[float], str],
    axis_text: Callable[[float], str],
) -> SafeString:
    """Bars from the left, the first at the top, each with its value at its end; the scale
    from 0 to ``maximum`` in five steps."""
    if not bars:
        return SafeString("")
    key = (
        "horizontal",
        tuple(bars),
        name,
        maximum,
        tuple(value_text(b.value) for b in bars),
        tuple(axis_text(maximum * n / 5) for n in range(6)),
    )
    return _drawn(
        key,
        lambda: _horizontal(
            bars, name=name, maximum=maximum, value_text=value_text, axis_text=axis_text
        ),
    )


def _horizontal(
    bars: Sequence[Bar],
    *,
    name: str,
    maximum: float,
    value_text: Callable[[float], str],
    axis_text: Callable[[float], str],
) -> SafeString:
    longest = max(_text_width(b.label, LABEL_FONT) for b in bars)
    reckoned = 0.6 * LABEL_FONT * max(len(b.label) for b in bars)
    chart = pygal.HorizontalBar(
        _config(
            width=1000,
            height=44 + 30 * len(bars),
            range=(0, maximum),
            y_labels=[maximum * n / 5 for n in range(6)],
            # pygal leaves 0.6 em a character for the names; Chinese needs the rest.
            margin_left=12 + max(longest - reckoned, 0),
            margin_right=64,  # room for the value after a full bar
            print_values=True,
            print_values_position="top",
            formatter=value_text,
            value_formatter=axis_text,
        )
    )
    ordered = list(reversed(bars))  # pygal draws the first bar at the bottom
    chart.x_labels = [b.label for b in ordered]
    chart.add(
        "",
        [
            {"value": b.value, "xlink": {"href": b.href}} if b.href else {"value": b.value}
            for b in ordered
        ],
    )
    return _svg(chart, name=name, tooltips=[b.text for b in ordered])


def column_bars(
    bars: Sequence[Bar],
    *,
    name: str,
    height: int,
    axis_text: Callable[[float], str],
    label_every: int = 5,
    tone: int = 0,
    axis_room: int = 8,
    whole: bool = False,
) -> SafeString:
    """Upright bars in their order (days, oldest first), every ``label_every``-th named under
    the axis; ``axis_text`` writes the scale's numbers. The scale's numbers get ``axis_room``
    characters, so that charts stacked with the same room put their bars under each other;
    ``whole``: counts, no step between two whole numbers."""
    if not bars:
        return SafeString("")
    # pygal's own ticks (0 to the top, 3 to 5 steps), named here so that their width is known.
    ticks = compute_scale(0, max(max(b.value for b in bars), 1), False, None, 3, 5)
    ticks = [t for t in ticks if t == int(t)] if whole else ticks
    key = (
        "column",
        tuple(bars),
        name,
        height,
        label_every,
        tone,
        axis_room,
        tuple(axis_text(t) for t in ticks),
    )
    return _drawn(
        key,
        lambda: _column(
            bars,
            ticks,
            name=name,
            height=height,
            axis_text=axis_text,
            label_every=label_every,
            tone=tone,
            axis_room=axis_room,
        ),
    )


def _column(
    bars: Sequence[Bar],
    ticks: list[float],
    *,
    name: str,
    height: int,
    axis_text: Callable[[float], str],
    label_every: int,
    tone: int,
    axis_room: int,
) -> SafeString:
    # pygal's room for them: 0.6 em a character, at least one font height.
    longest = max(max(len(axis_text(t)) for t in ticks) * 0.6 * LABEL_FONT, LABEL_FONT)
    chart = pygal.Bar(
        _config(
            width=1000,
            height=height,
            x_labels_major_every=label_every,
            show_minor_x_labels=False,
            truncate_label=-1,
            y_labels=ticks,
            value_formatter=axis_text,
            margin_left=12 + max(axis_room * 0.6 * LABEL_FONT - longest, 0),
        )
    )
    chart.x_labels = [b.label for b in bars]
    chart.add(
        "",
        [
            {"value": b.value, "xlink": {"href": b.href}} if b.href else {"value": b.value}
            for b in bars
        ],
    )
    return _svg(chart, name=name, tooltips=[b.text for b in bars], tone=tone)
