"""The dashboard's and the ranking's figures: money in a unit people read ("mnkr", "tkr"; "M SEK",
"k SEK" in English) instead of plotly's "14M", a funnel whose stage names fit, and a bubble chart
that keeps the initiatives without a money value off its zero line."""

import datetime as dt

import pytest
from django.utils import translation

from benefits.templatetags.figures import without_money_value
from portfolio import charts

STAGES = {"idea": "Idea", "pilot": "Pilot", "scaling": "Scaling", "operation": "Operation",
          "closed": "Closed"}  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "largest,divisor,unit,per_year",
    [
        (14_250_000, 1_000_000, "M SEK", "M SEK/year"),
        (-2_000_000, 1_000_000, "M SEK", "M SEK/year"),
        (750_000, 1_000, "k SEK", "k SEK/year"),
        (10_000, 1_000, "k SEK", "k SEK/year"),
        (9_999, 1, "SEK", "SEK/year"),
        (None, 1, "SEK", "SEK/year"),
    ],
)
def test_the_money_unit_follows_the_largest_amount(largest, divisor, unit, per_year):
    money = charts.MoneyScale([0, largest])
    assert (money.divisor, money.unit, money.per_year) == (divisor, unit, per_year)


def test_bars_are_scaled_on_the_server_and_say_their_unit():
    figure = charts.expected_vs_realised([
        {"label": "UTB", "expected": 14_250_000, "realised": 3_500_000},
        {"label": "SOC", "expected": 900_000, "realised": None},
    ])  # fmt: skip
    assert figure["data"][0]["y"] == [14.25, 0.9]
    assert figure["data"][1]["y"] == [3.5, None]
    axis = figure["layout"]["yaxis"]
    assert axis["title"]["text"] == "M SEK/year"
    assert axis["exponentformat"] == "none"  # ticks read 14, not 14M
    assert "M SEK/year" in figure["data"][0]["hovertemplate"]


def test_the_money_unit_is_translated():
    with translation.override("sv"):
        money = charts.MoneyScale([5_000_000])
        assert money.per_year == translation.gettext("M SEK/year")
        figure = charts.planned_vs_realised(
            [{"month": dt.date(2026, 1, 31), "planned": 40_000, "realised": 0}]
        )
        assert figure["layout"]["yaxis"]["title"]["text"] == translation.gettext("k SEK/year")
        assert figure["data"][0]["y"] == [40.0]


def test_the_frontier_is_in_millions_with_the_chosen_budget_ringed():
    points = [
        {"budget": budget, "score": score, "optimal": True, "chosen": budget == 5_000_000}
        for budget, score in [(0, 0.0), (2_500_000, 40.0), (5_000_000, 80.0), (6_000_000, 90.0)]
    ]
    figure = charts.frontier_chart(points)
    assert figure["data"][0]["x"] == [0, 2.5, 5, 6]
    assert figure["data"][-1]["x"] == [5] and figure["layout"]["annotations"][0]["x"] == 5
    assert figure["layout"]["xaxis"]["title"]["text"] == "Budget (M SEK)"


def test_the_funnels_stage_names_have_room():
    figure = charts.stage_funnel([("idea", "Idea", 6), ("scaling", "Uppskalning", 8)])
    assert figure["layout"]["yaxis"]["automargin"] is True
    assert figure["layout"]["margin"]["l"] >= 100


def row(ref, score, expected, budget=500_000, stage="pilot"):
    return {"ref": ref, "title": f"Title {ref}", "score": score, "expected_sek": expected,
            "budget": budget, "stage": stage}  # fmt: skip


def test_initiatives_without_a_money_value_stay_out_of_the_bubble_chart():
    rows = [row("A", 60.0, 1_200_000), row("B", 40.0, None), row("C", 30.0, 0)]
    figure = charts.score_bubbles(rows, STAGES, lambda ref: f"/i/{ref}/")
    plotted = [text for trace in figure["data"] for text in trace["customdata"]]
    assert plotted == ["/i/A/"]
    assert figure["data"][0]["y"] == [1.2]
    assert figure["layout"]["yaxis"]["title"]["text"] == "Expected value (M SEK/year)"


def test_bubbles_in_the_same_place_name_each_other():
    rows = [row("A", 57.1, 400_000), row("B", 57.1, 400_000, stage="idea"), row("C", 20.0, 90_000)]
    figure = charts.score_bubbles(rows, STAGES, lambda ref: f"/i/{ref}/")
    texts = {
        url: text
        for trace in figure["data"]
        for url, text in zip(trace["customdata"], trace["text"], strict=True)
    }
    assert texts["/i/A/"] == texts["/i/B/"] == "A Title A<br>B Title B"
    assert texts["/i/C/"] == "C Title C"


def test_the_without_money_value_filter_lists_what_the_chart_leaves_out():
    rows = [row("A", 60.0, 1_200_000), row("B", 40.0, None), row("C", 30.0, 0)]
    assert [r["ref"] for r in without_money_value(rows)] == ["B", "C"]
