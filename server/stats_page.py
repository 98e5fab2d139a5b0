"""The statistics page's sections: each a chart (SVG) and the table of its numbers.

Built from :func:`server.stats.statistics` output; names are given in the
interface language where there is a translation. No FastAPI here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from server.charts import Bar, bar_chart, column_chart
from server.lexicon import Lexicon
from server.names import country_name, language_name


@dataclass(frozen=True)
class Section:
    ident: str
    title: str
    chart: Markup
    columns: tuple[str, ...]  # headers; the first column is text, the others numbers
    rows: tuple[tuple[Any, ...], ...]


def sections(
    numbers: dict[str, Any], lexicon: Lexicon, ui_lang: str, t: Callable[[str], str]
) -> list[Section]:
    described = t("stats_chart_desc")
    not_stated = t("stats_not_stated")

    def section(
        ident: str, title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], column: int = 1
    ) -> Section:
        bars = [Bar(str(row[0]), int(row[column])) for row in rows]
        chart = bar_chart(f"chart-{ident}", title, described, bars, empty=t("stats_none"))
        return Section(ident, title, chart, columns, tuple(rows))

    def language(tag: str) -> str:
        return t("browse_emoji") if tag == "zxx" else f"{language_name(tag, ui_lang)} ({tag})" if tag else "—"

    labels, terms = t("count_labels"), t("col_terms")
    found = [
        section(
            "language",
            t("stats_by_language"),
            (t("col_language"), labels, terms),
            [(language(r["lang"]), r["labels"], r["terms"]) for r in numbers["by_language"]],
        ),
        section(
            "term-type",
            t("stats_by_type"),
            (t("col_type"), labels, terms),
            [
                (r.get("typeLabel") or r["type"], r["labels"], r.get("terms", 0))
                for r in numbers["by_term_type"]
            ],
        ),
        section(
            "substance",
            t("stats_by_substance"),
            (t("stats_col_substance"), terms, labels),
            [
                (lexicon.substance_name(r["substance"], ui_lang), r["terms"], r["labels"])
                for r in numbers["by_substance"]
            ],
        ),
        section(
            "handling",
            t("stats_by_handling"),
            (t("col_handling"), labels, terms),
            [
                (r.get("levelLabel") or r["level"], r["labels"], r.get("terms", 0))
                for r in numbers["by_handling"]
            ],
        ),
        section(
            "country",
            t("stats_by_country"),
            (t("stats_col_country"), labels, terms),
            [
                (country_name(r["code"], ui_lang) if r.get("code") else not_stated, r["labels"], r["terms"])
                for r in numbers["by_country"]
            ],
        ),
    ]
    growth = numbers["growth"]
    title = t("stats_growth")
    bars = [Bar(r["month"], r["cumulative_labels"]) for r in growth]
    found.append(
        Section(
            "growth",
            title,
            column_chart("chart-growth", title, described, bars, empty=t("stats_none")),
            (
                t("stats_col_month"),
                t("stats_col_new_labels"),
                t("stats_col_new_terms"),
                t("stats_col_all_labels"),
                t("stats_col_all_terms"),
            ),
            tuple(
                (r["month"], r["labels"], r["terms"], r["cumulative_labels"], r["cumulative_terms"])
                for r in growth
            ),
        )
    )
    return found
