"""The chart helper's geometry; the SVG itself is drawn (and escaped) by the template."""
from __future__ import annotations

from flask import render_template_string

from shop_plugin.admin import charts


def test_bars_scale_to_a_round_maximum_and_label_every_value():
    chart = charts.bar_chart([("DHL", 12.5), ("Yun Express", 40), ("none yet", None)], title="Late (%)", unit="%")
    assert [b["text"] for b in chart.bars] == ["12.5%", "40%", "no data"]
    assert chart.bars[1]["w"] > chart.bars[0]["w"] > 0 and chart.bars[2]["w"] == 0
    assert "0 to 50%" in chart.desc
    assert chart.table["rows"][1] == ["Yun Express", "40%"]


def test_stacked_columns_add_up_per_category():
    chart = charts.stacked_bars(["2027-01-01", "2027-01-02"], {"late": [2, 0], "lost": [1, 3]}, title="Volume")
    first_day = [b for b in chart.bars if b["label"].startswith("2027-01-01")]
    assert len(first_day) == 2 and len(chart.bars) == 3
    assert [row[-1] for row in chart.table["rows"]] == ["3", "3"]
    assert [item["name"] for item in chart.legend] == ["late", "lost"]
    assert len({item["color"] for item in chart.legend}) == 2


def test_a_line_has_a_point_per_category():
    chart = charts.line_chart([("a", 1), ("b", 3), ("c", 0)], title="Total")
    assert len(chart.points) == 3 and len(chart.line.split()) == 3
    assert chart.points[1]["y"] < chart.points[0]["y"] < chart.points[2]["y"]


def test_empty_data_still_draws_a_chart():
    assert charts.stacked_bars([], {}, title="Nothing").bars == []
    assert charts.bar_chart([], title="Nothing").height > 0


def test_labels_are_escaped_in_the_svg(app):
    chart = charts.bar_chart([("<script>x</script>", 1)], title="<b>t</b>")
    with app.test_request_context():
        svg = render_template_string('{% from "admin/_charts.html" import chart %}{{ chart(c, "t") }}', c=chart)
    assert "<script>x" not in svg and "&lt;script&gt;" in svg and "<title id=\"t-title\">&lt;b&gt;t&lt;/b&gt;" in svg
