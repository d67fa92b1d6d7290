"""SVG bar charts as Chromium draws them with the site's stylesheet: on a 360 px phone and a
1366 px desktop, in normal and large text, every label and figure lies inside the chart's
viewBox (what lies outside is cut off), the chart's width estimate is never narrower than the
drawn text, and only the layout for the reader's text size is shown."""

import pytest

from tests.core.test_browser_pages import set_cookies
from tests.core.test_charts import LONG_FIGURES
from yishi.core.charts import bar_chart, text_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => ({
    cls: svg.getAttribute('class'), left: svg.viewBox.baseVal.x, box: svg.viewBox.baseVal.width,
    high: svg.viewBox.baseVal.height,
    texts: [...svg.querySelectorAll('text')].map(t => {
      const b = t.getBBox(), s = getComputedStyle(t);
      return {text: t.textContent, x: b.x, width: b.width, y: b.y, height: b.height,
              length: t.getComputedTextLength(), size: parseFloat(s.fontSize),
              bold: parseInt(s.fontWeight) >= 600};
    })}))"""

LABELS = ["Jiangcun Street", "2080208 基层政权建设和社区治理：街道社区服务中心运行保障",
          "208 Social security and employment expenditure: adjusted budget",
          "Original budget", "执行数"]


def assert_drawn_inside(charts, where):
    assert charts, f"no chart shown: {where}"
    for chart in charts:
        for t in chart["texts"]:
            right = chart["left"] + chart["box"]
            assert t["x"] >= chart["left"] - 0.5 and t["x"] + t["width"] <= right + 0.5, (where, t)
            assert t["y"] >= -0.5 and t["y"] + t["height"] <= chart["high"] + 0.5, (where, t)
            estimate = text_width(t["text"], t["size"], t["bold"])
            assert t["length"] <= estimate + 0.5, (where, t, estimate)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_charts_fit_on_phones_and_desktops_in_both_text_sizes(page, live_server, demo, language):
    bars = [(label, value, figure, value < 90)
            for label in LABELS for value, figure in zip((100, 93, 60, 3), LONG_FIGURES + ["0"],
                                                         strict=False)]
    markup = bar_chart("Long figures", bars)
    for size in ("normal", "large"):
        set_cookies(page, live_server, yishi_text=size, django_language=language)
        for width, height in ((360, 780), (1366, 768)):
            page.set_viewport_size({"width": width, "height": height})
            # A real chart page: the final accounts, two bars per function.
            page.goto("/finance/330106002/2025/final/")
            real = page.evaluate(DRAWN)
            assert [c["cls"] for c in real] == [f"chart chart-{size}"], real
            assert_drawn_inside(real, (language, size, width, "final accounts"))
            # And figures as long as money in 元 gets, on bars of every length.
            page.evaluate("html => document.querySelector('main h1')"
                          ".insertAdjacentHTML('afterend', html)", markup)
            drawn = page.evaluate(DRAWN)
            assert len(drawn) == 2
            assert_drawn_inside(drawn, (language, size, width, "long figures"))
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Large text on a phone: chart text no smaller than normal text's chart on a desktop.
    page.set_viewport_size({"width": 360, "height": 780})
    scale = page.evaluate("() => { const s = document.querySelector('svg.chart-large');"
                          " return s.getBoundingClientRect().width / s.viewBox.baseVal.width }")
    assert drawn[0]["texts"][0]["size"] * scale >= 18
