"""The SVG bar chart's layout (yishi/core/charts.py): every label and figure inside the viewBox
in both layouts (normal and large text), no text over another, and a label never cut without
the whole of it in a <title>. Widths are the chart's own generous estimate; the browser test
(test_charts_browser.py) checks that estimate against what Chromium draws."""

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yishi.core.charts import VIEW_WIDTH, bar_chart, text_width, wrap

SVG = "{http://www.w3.org/2000/svg}"
LONG_FIGURES = ["12,345,678.90 元", "1,234,567.00 yuan", "98,765,432,109.99 万元"]


def svgs(markup: str) -> list[ET.Element]:
    return list(ET.fromstring(f"<root>{markup}</root>"))


def texts(svg: ET.Element) -> list[dict]:
    """Each <text> with the box it covers, by the estimate, in viewBox units."""
    size = float(svg.get("font-size", 0))
    bold = svg.get("font-weight") == "600"
    out = []
    for parent in svg.iter():
        for t in parent.findall(f"{SVG}text"):
            f = float(t.get("font-size", size))
            x, y, width = float(t.get("x")), float(t.get("y")), text_width(t.text or "", f, bold)
            left = x - width if t.get("text-anchor") == "end" else x
            out.append({"text": t.text or "", "left": left, "right": left + width,
                        "top": y - 0.9 * f, "bottom": y + 0.25 * f, "fill": t.get("fill"),
                        "parent": parent})
    return out


def view_box(svg: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = map(float, svg.get("viewBox").split())
    return x, y, w, h


def assert_inside(svg: ET.Element) -> None:
    x0, y0, w, h = view_box(svg)
    for t in texts(svg):
        assert t["left"] >= x0 - 0.01 and t["right"] <= x0 + w + 0.01, (svg.get("class"), t)
        assert t["top"] >= y0 - 0.01 and t["bottom"] <= y0 + h + 0.01, (svg.get("class"), t)


def assert_no_overlap(svg: ET.Element) -> None:
    boxes = texts(svg)
    rects = [{k: float(r.get(k)) for k in ("x", "y", "width", "height")}
             for r in svg.iter(f"{SVG}rect")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["right"] <= b["left"] or b["right"] <= a["left"]
                     or a["bottom"] <= b["top"] or b["bottom"] <= a["top"])
            assert apart, (a["text"], b["text"])
        for r in rects:
            inside = (r["x"] <= a["left"] and a["right"] <= r["x"] + r["width"]
                      and r["y"] <= a["top"] and a["bottom"] <= r["y"] + r["height"])
            apart = (a["right"] <= r["x"] or r["x"] + r["width"] <= a["left"]
                     or a["bottom"] <= r["y"] or r["y"] + r["height"] <= a["top"])
            # White text sits wholly on a bar; dark text never touches one.
            assert inside if a["fill"] == "#fff" and not apart else apart, (a["text"], r)


def label_shown(svg: ET.Element, label: str) -> bool:
    """The label's words are all drawn (line breaks aside), or the whole label is the <title>
    of the group holding its shortened lines."""
    drawn = "".join(t["text"] for t in texts(svg)).replace(" ", "")
    titles = [g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g")]
    return label.replace(" ", "") in drawn or label in titles


def test_two_layouts_titled_without_style_attributes():
    markup = bar_chart("Votes", [("A", 3, "3"), ("B", 1, "1", False)])
    normal, large = svgs(markup)
    assert "chart-normal" in normal.get("class") and "chart-large" in large.get("class")
    assert float(large.get("font-size")) > float(normal.get("font-size"))
    for svg in (normal, large):
        assert svg.get("role") == "img"
        title = svg.find(f"{SVG}title")
        assert title.text == "Votes" and svg.get("aria-labelledby") == title.get("id")
    assert normal.find(f"{SVG}title").get("id") != large.find(f"{SVG}title").get("id")
    assert "style=" not in markup  # the CSP allows no inline style
    assert [r.get("fill") for r in normal.iter(f"{SVG}rect")] == ["#9b1c1c", "#6b7280"]


def test_long_figures_stay_inside_the_viewbox_at_every_bar_length():
    for figure in LONG_FIGURES:
        bars = [(f"Bar {share}", share, figure) for share in (100, 97, 90, 80, 65, 50, 35, 20, 5, 0)]
        for svg in svgs(bar_chart("Money", bars)):
            assert_inside(svg)
            assert_no_overlap(svg)
            assert sum(t["text"] == figure for t in texts(svg)) == len(bars)


def test_a_long_label_wraps_and_is_not_cut_silently():
    chinese = "2080208 基层政权建设和社区治理：街道社区服务中心运行保障及居民议事会会务经费"
    english = ("208 Social security and employment expenditure: adjusted budget of the street "
               "office")
    endless = "Supercalifragilisticexpialidocious" * 6
    huge = "很长的标签" * 40
    for svg in svgs(bar_chart("T", [(chinese, 5, "1,234.56"), (english, 3, "3,241.63"),
                                    (endless, 2, "2"), (huge, 1, "1")])):
        assert_inside(svg)
        assert_no_overlap(svg)
        for label in (chinese, english, endless, huge):
            assert label_shown(svg, label), (svg.get("class"), label)
    large = svgs(bar_chart("T", [(huge, 1, "1")]))[1]
    assert large.find(f"{SVG}g/{SVG}title").text == huge  # shortened: the whole in a title
    assert any(t["text"].endswith("…") for t in texts(large))


def test_wrap_breaks_at_spaces_and_keeps_punctuation_with_its_word():
    lines, shortened = wrap("Adjusted budget and final accounts", 200, 16)
    assert not shortened and all(line == line.strip() for line in lines)
    assert " ".join(lines) == "Adjusted budget and final accounts"
    lines, _ = wrap("社会保障和就业支出，调整后预算", 9 * 16, 16)
    assert not any(line.startswith("，") for line in lines)
    assert "".join(lines) == "社会保障和就业支出，调整后预算"


def test_estimate_is_wider_for_chinese_and_bold():
    assert text_width("元", 20) > text_width("1", 20)
    assert text_width("12,345.00", 20, bold=True) > text_width("12,345.00", 20)
    assert text_width("", 20) == 0


labels = st.text(alphabet=st.sampled_from(list("社区治理预算执行abcdefgh WMil.,:：（）0123456789")),
                 min_size=1, max_size=120).filter(str.strip)
figures = st.one_of(
    st.decimals(min_value=0, max_value=10**11, places=2).map(lambda d: f"{d:,.2f} 元"),
    st.integers(0, 10**6).map(str), st.sampled_from(LONG_FIGURES + ["—", "87.5%"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(labels, st.floats(0, 1000), figures, st.booleans()),
                min_size=1, max_size=8))
def test_any_chart_keeps_its_text_inside_and_apart(bars):
    for svg in svgs(bar_chart("T", bars)):
        assert view_box(svg)[0] + view_box(svg)[2] == VIEW_WIDTH
        assert_inside(svg)
        assert_no_overlap(svg)
        for label, *_ in bars:
            assert label_shown(svg, label.strip()), label
