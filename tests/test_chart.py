"""The digest chart: drawn at the width each platform shows it, readable there, in the words
the caller gives, and never with a box where a Chinese character should be."""

from __future__ import annotations

import base64
import io
import logging
import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.text import Text
from PIL import Image

from bot import fonts
from bot.handlers import chart
from bot.platforms.teams import pulse_cards as cards

KEYS = ("investment", "adoption", "interfaces", "operations", "measurement")
ENGLISH = chart.ChartLabels(
    radar_title="Mean level per aspect",
    trend_title="Trend over the last 8 rounds",
    level_axis="mean level",
    latest_round="latest round",
    previous_round="previous round",
    footnote="Aspects below the response threshold are left out.",
)
CHINESE = chart.ChartLabels(
    radar_title="各方面的平均等级",
    trend_title="最近 8 轮的趋势",
    level_axis="平均等级",
    latest_round="最近一轮",
    previous_round="上一轮",
    footnote="低于回复门槛的方面不显示。",
)
ENGLISH_ASPECTS = list(zip(KEYS, ("Investment", "Adoption", "Interfaces", "Operations",
                                  "Measurement"), strict=True))  # fmt: skip
CHINESE_ASPECTS = list(zip(KEYS, ("投入", "采纳", "接口", "运营", "度量"), strict=True))
# Beyond GB2312 and the shipped subset: a rare hanzi (CJK Extension B).
RARE = "\U0002a6a5"


def series(label: str = "{day:02d} Nov", rounds: int = 8) -> chart.Series:
    """Eight rounds with every kind of gap: an aspect hidden in the middle and at the end."""
    return [
        (
            label.format(day=day),
            {
                key: None if (key == "operations" and day in (3, 4)) else 1 + (day * n) % 30 / 10
                for n, key in enumerate(KEYS)
            },
        )
        for day in range(1, rounds + 1)
    ]


def drawn_texts(figure: object) -> list[Text]:
    """Every string on the figure, each checked to lie wholly inside the picture."""
    figure.canvas.draw()
    renderer, (width, height) = figure.canvas.get_renderer(), figure.canvas.get_width_height()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    for text in texts:
        box = text.get_window_extent(renderer)
        inside = box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1
        assert inside, (text.get_text(), box)
    return texts


def without_cjk_fonts() -> list[object]:
    """A machine with matplotlib's fonts and the shipped subset, and nothing else."""
    bundled = Path(matplotlib.get_data_path()).resolve()
    own = [e for e in font_manager.fontManager.ttflist if Path(e.fname).is_relative_to(bundled)]
    return [*own, font_manager.FontEntry(fname=str(fonts.SUBSET), name=fonts.SUBSET_FAMILY)]


def cmap(path: str, index: int = 0) -> set[str]:
    """The characters a font file maps, read with fontTools (not with what the code uses)."""
    font = TTFont(path, fontNumber=index, lazy=True) if path.endswith(".ttc") else TTFont(path)
    return {chr(code) for code in font.getBestCmap()}


def entry_of(family: str) -> object:
    fonts.register_subset()
    return next(e for e in font_manager.fontManager.ttflist if e.name == family)


@pytest.mark.parametrize(
    ("labels", "aspects", "rounds"),
    [(ENGLISH, ENGLISH_ASPECTS, "{day:02d} Nov"), (CHINESE, CHINESE_ASPECTS, "11月{day}日")],
)
def test_the_card_chart_is_card_wide_within_budget_and_its_type_readable(
    labels: chart.ChartLabels, aspects: chart.Aspects, rounds: str
) -> None:
    png = chart.render(series(rounds), aspects, labels, chart.CARD)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == chart.CARD and 300 <= image.height <= 420
        assert image.mode == "P"  # a palette: what keeps it small
    # It goes into the card as drawn, in the room a digest card with comments leaves.
    room = cards.MESSAGE_LIMIT - cards.ENVELOPE - 5_000
    assert cards.chart_image(png, room) == "data:image/png;base64," + base64.b64encode(png).decode()

    figure = chart.draw(series(rounds), aspects, labels, chart.CARD)
    renderer = figure.canvas.get_renderer()
    texts = drawn_texts(figure)
    shown = {t.get_text() for t in texts}
    # The card chart is the trend: its title, axis, every aspect and round, and the footnote.
    assert {labels.trend_title, labels.level_axis, labels.footnote} <= shown
    assert {name for _, name in aspects} <= shown and {
        label for label, _ in series(rounds)
    } <= shown
    assert labels.radar_title not in shown
    for text in texts:
        # The type's size, and how high the drawn glyphs of this very string stand (before any
        # rotation): a "1" or a capital, the lowest, is 0.73 of the size in DejaVu Sans.
        size = text.get_fontsize() * figure.dpi / 72
        _, ink, _ = renderer.get_text_width_height_descent(
            text.get_text(), text.get_fontproperties(), ismath=False
        )
        assert size >= 16 and ink >= 11, (text.get_text(), size, ink)


def test_the_wide_chart_has_both_panels_in_type_as_large_as_the_cards() -> None:
    png = chart.render(series(), ENGLISH_ASPECTS, ENGLISH, chart.WIDE)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (chart.WIDE, 484)
    figure = chart.draw(series(), ENGLISH_ASPECTS, ENGLISH, chart.WIDE)
    texts = drawn_texts(figure)
    assert {ENGLISH.radar_title, ENGLISH.latest_round, ENGLISH.previous_round} <= {
        t.get_text() for t in texts
    }
    assert min(t.get_fontsize() * figure.dpi / 72 for t in texts) >= 16


def test_one_round_draws_too() -> None:
    png = chart.render(series(rounds=1), ENGLISH_ASPECTS, ENGLISH, chart.CARD)
    assert png.startswith(b"\x89PNG")
    # At card width one round is a bar per aspect (a trend of one round is a column of dots),
    # each aspect named, its mean written, in type as large as the trend's.
    one = series(rounds=1)
    one[0][1][ENGLISH_ASPECTS[0][0]] = None  # too few responses: no bar, a dash
    figure = chart.draw(one, ENGLISH_ASPECTS, ENGLISH, chart.CARD)
    (axes,) = figure.axes
    assert len(axes.patches) == len(ENGLISH_ASPECTS)
    shown = {t.get_text() for t in drawn_texts(figure)}
    assert {name for _, name in ENGLISH_ASPECTS} <= shown and "–" in shown
    assert min(t.get_fontsize() for t in drawn_texts(figure)) >= 16
    assert chart.render(series(rounds=1), ENGLISH_ASPECTS, ENGLISH).startswith(b"\x89PNG")


def test_every_chinese_character_is_drawn_from_a_font_that_has_it() -> None:
    words = chart.words(series("11月{day}日"), CHINESE_ASPECTS, CHINESE)
    chosen = fonts.fonts_for(words)
    assert not chosen.missing and chosen.families[-1] == fonts.LATIN
    first = entry_of(chosen.families[0])
    # Matplotlib takes each character from the first family that has it: check that one.
    maps = [cmap(entry_of(family).fname, getattr(entry_of(family), "index", 0))
            for family in chosen.families]  # fmt: skip
    for char in {c for word in words for c in word if not c.isspace()}:
        assert any(char in charmap for charmap in maps), char
        if "\u4e00" <= char <= "\u9fff":
            assert char in maps[0], (char, first.name)

    # And drawing them warns of no missing glyph (matplotlib draws a box and says so).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for width in (chart.CARD, chart.WIDE):
            chart.render(series("11月{day}日"), CHINESE_ASPECTS, CHINESE, width)
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_without_a_cjk_font_installed_the_shipped_subset_draws_chinese() -> None:
    words = chart.words(series("11月{day}日"), CHINESE_ASPECTS, CHINESE)
    assert fonts.fonts_for(words, without_cjk_fonts()).families == (
        fonts.SUBSET_FAMILY,
        fonts.LATIN,
    )
    assert fonts.fonts_for(chart.words(series(), ENGLISH_ASPECTS, ENGLISH),
                           without_cjk_fonts()).families == (fonts.LATIN,)  # fmt: skip
    subset = cmap(str(fonts.SUBSET))
    # What Chinese chart labels will say: aspects, levels, dates, rounds, the fixed strings.
    foreseen = (
        "投入采纳接口运营度量0123456789月日周一二三四五六级平均等级各方面最近一轮上一轮趋势"
        "轮低于回复门槛的方面不显示。，：（）"
    )
    assert set(foreseen) <= subset
    hanzi = {  # GB2312 level 1: rows 16-55
        bytes([row, cell]).decode("gb2312")
        for row in range(0xB0, 0xD8)
        for cell in range(0xA1, 0xFF)
        if not (row == 0xD7 and cell > 0xF9)  # row 55 stops at 89 characters
    }
    assert len(hanzi) == 3755 and hanzi <= subset
    assert fonts.SUBSET.stat().st_size < 1_500_000
    assert (fonts.SUBSET.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") == 1


def test_an_installed_font_of_the_same_design_goes_first_then_the_subset_then_any_other() -> None:
    mine = without_cjk_fonts()

    def installed(name: str, path: str) -> object:
        return font_manager.FontEntry(fname=path, name=name)

    words = ["投入", "采纳"]
    subset, latin = str(fonts.SUBSET), entry_of(fonts.LATIN).fname
    noto = installed("Noto Sans CJK SC", subset)
    wqy = installed("WenQuanYi Micro Hei", subset)
    assert fonts.fonts_for(words, [*mine, wqy, noto]).families[0] == "Noto Sans CJK SC"
    assert fonts.fonts_for(words, [*mine, wqy]).families[0] == fonts.SUBSET_FAMILY
    without_subset = [e for e in mine if e.name != fonts.SUBSET_FAMILY]
    assert fonts.fonts_for(words, [*without_subset, wqy]).families[0] == "WenQuanYi Micro Hei"
    # A font that only claims the name, without the glyphs, is passed over.
    impostor = installed("Noto Sans CJK SC", latin)
    assert fonts.fonts_for(words, [*mine, impostor]).families[0] == fonts.SUBSET_FAMILY
    # Matplotlib's Last Resort font "has" everything, as boxes: never chosen.
    assert fonts.fonts_for([RARE], mine).missing == {RARE}


def test_a_character_beyond_the_subset_comes_from_another_installed_font(tmp_path) -> None:
    rare_font = tmp_path / "rare.ttf"
    _font_with(RARE, "Rare Glyphs", rare_font)
    machine = [
        *without_cjk_fonts(),
        font_manager.FontEntry(fname=str(rare_font), name="Rare Glyphs"),
    ]
    chosen = fonts.fonts_for([f"投入{RARE}", "采纳"], machine)
    assert chosen == fonts.Fonts((fonts.SUBSET_FAMILY, "Rare Glyphs", fonts.LATIN), frozenset())


def _font_with(char: str, family: str, path: Path) -> None:
    """A TrueType font with one glyph (a square) for ``char``: a font only this test has."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for point in ((100, 0), (100, 700), (800, 700), (800, 0)):
        (pen.lineTo if pen.points else pen.moveTo)(point)
    pen.closePath()
    square, empty = pen.glyph(), TTGlyphPen(None).glyph()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "square"])
    builder.setupCharacterMap({ord(char): "square"})
    builder.setupGlyf({".notdef": empty, "square": square})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "square": (900, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(path)


def test_a_character_no_font_has_falls_back_to_english(monkeypatch, caplog) -> None:
    monkeypatch.setattr(
        chart, "fonts_for", lambda texts: fonts.fonts_for(texts, without_cjk_fonts())
    )
    rare = replace(CHINESE, footnote=f"低于回复门槛的方面不显示{RARE}")
    chinese = (series("11月{day}日"), CHINESE_ASPECTS, rare)
    english = (series(), ENGLISH_ASPECTS, ENGLISH)
    with pytest.raises(chart.MissingGlyphs) as missing:
        chart.render(*chinese, chart.CARD)
    assert missing.value.characters == {RARE}
    with caplog.at_level(logging.WARNING, logger="bot.handlers.chart"):
        drawn = chart.render_first_drawable([chinese, english], chart.CARD)
    assert drawn == chart.render(*english, chart.CARD)
    assert RARE in caplog.text
    with pytest.raises(chart.MissingGlyphs):
        chart.render_first_drawable([chinese], chart.CARD)
    # Without the rare character the Chinese chart is drawn, not the English one.
    plain = (series("11月{day}日"), CHINESE_ASPECTS, CHINESE)
    assert chart.render_first_drawable([plain, english], chart.CARD) != drawn
