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

    def section(ident: str, title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Section:
        bars = [Bar(str(row[0]), int(row[1])) for row in rows]
        chart = bar_chart(f"chart-{ident}", title, described, bars, empty=t("stats_none"))
        return Section(ident, title, chart, columns, tuple(rows))

    def language(tag: str) -> str:
        return t("browse_emoji") if tag == "zxx" else f"{language_name(tag, ui_lang)} ({tag})" if tag else "—"

    names: dict[str, Callable[[dict[str, Any]], str]] = {
        "by_language": lambda r: language(r["lang"]),
        "by_term_type": lambda r: str(r.get("typeLabel") or r["type"]),
        "by_substance": lambda r: lexicon.substance_name(r["substance"], ui_lang),
        "by_handling": lambda r: str(r.get("levelLabel") or r["level"]),
        "by_country": lambda r: country_name(r["code"], ui_lang) if r.get("code") else not_stated,
    }
    #: (id, title, key in numbers, header of the name column, counts in column order; the first is charted)
    table = (
        ("language", "stats_by_language", "by_language", "col_language", ("labels", "terms")),
        ("term-type", "stats_by_type", "by_term_type", "col_type", ("labels", "terms")),
        ("substance", "stats_by_substance", "by_substance", "stats_col_substance", ("terms", "labels")),
        ("handling", "stats_by_handling", "by_handling", "col_handling", ("labels", "terms")),
        ("country", "stats_by_country", "by_country", "stats_col_country", ("labels", "terms")),
    )
    header = {"labels": t("count_labels"), "terms": t("col_terms")}
    found = [
        section(
            ident,
            t(title),
            (t(name_header), *(header[c] for c in counts)),
            [(names[key](r), *(int(r.get(c) or 0) for c in counts)) for r in numbers[key]],
        )
        for ident, title, key, name_header, counts in table
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
