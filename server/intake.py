"""Reading contribution tables (CSV, XLSX) into checked rows.

The template's columns are documented in :data:`COLUMNS`. Every cell is checked
here, before any RDF is built, so that a contributor reads "row 7, column
language: 'english' is not a BCP 47 tag" rather than a SHACL path. Spreadsheets
are opened defensively: size and compression limits against zip bombs, no
macros, no external links, no formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

import langcodes

from server.errors import BadRequest, ParseError, TooLarge
from server.lexicon import Lexicon
from server.namespaces import SUPPORTED_LANGUAGES
from server.rdfio import decode_check
from server.tokens import country_code
from server.validation import Finding

#: The template's header, in order, with what each column holds.
COLUMNS: dict[str, str] = {
    "term": "The word, phrase, hashtag or emoji as seen (required).",
    "language": "BCP 47 tag: en, de, pl, ... (zxx or empty for emoji).",
    "term_type": "slang, code-word, emoji, emoji-sequence, hashtag, abbreviation, misspelling, "
    "obfuscation, brand-name or imprint (required).",
    "substances": "What it refers to, ';'-separated: a substance id (S0012), its URI or any of its names "
    "(required).",
    "meaning": "What the term means, in English (optional; rows with the same meaning and substances "
    "become one term).",
    "ambiguity": "How often it has a benign reading: low, medium or high (default medium).",
    "benign_meaning": "Its innocent meanings, ';'-separated (optional).",
    "needs_other_signal": "yes if it only counts next to another term or a seller signal "
    "(default: yes when ambiguity is high).",
    "platforms": "Where it was seen, ';'-separated: telegram, instagram, tiktok, ... (optional).",
    "country": "ISO 3166-1 country code where it was seen (default: the contributor's).",
    "first_seen": "Date first seen, YYYY-MM-DD (optional).",
    "last_seen": "Date last seen, YYYY-MM-DD (optional).",
    "source": "A URL or reference (default: this contribution).",
    "handling": "TLP:CLEAR (public), TLP:GREEN (platforms) or TLP:AMBER (law enforcement; default).",
    "notes": "Anything a reviewer should know (optional).",
}
REQUIRED = ("term", "term_type", "substances")
TERM_TYPES = (
    "slang", "code-word", "emoji", "emoji-sequence", "hashtag", "abbreviation",
    "misspelling", "obfuscation", "brand-name", "imprint",
)  # fmt: skip
EMOJI_TYPES = ("emoji", "emoji-sequence")
AMBIGUITY = ("low", "medium", "high")
PLATFORMS = (
    "discord", "facebook", "instagram", "reddit", "signal", "snapchat", "telegram",
    "threema", "tiktok", "tor-market", "whatsapp", "wickr", "x", "youtube",
)  # fmt: skip
HANDLING = {"tlp:clear": "tlp-clear", "tlp:green": "tlp-green", "tlp:amber": "tlp-amber"}
YES = {"yes", "y", "true", "1", "ja", "oui", "tak", "si", "sí"}
NO = {"no", "n", "false", "0", "nein", "non", "nie"}

MAX_ROWS = 20_000
MAX_CELL = 2_000
#: Spreadsheet limits: uncompressed bytes in all, and compression ratio per member.
XLSX_MAX_UNCOMPRESSED = 100_000_000
XLSX_MAX_RATIO = 200


@dataclass
class Row:
    """One checked row of a contribution table."""

    number: int  # spreadsheet row number (the header is row 1)
    term: str = ""
    language: str = ""
    term_type: str = ""
    substances: list[str] = field(default_factory=list)  # IRIs
    meaning: str = ""
    ambiguity: str = "medium"
    benign_meanings: list[str] = field(default_factory=list)
    needs_other_signal: bool = False
    platforms: list[str] = field(default_factory=list)
    country: str | None = None  # alpha-2
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    source: str = ""
    handling: str = "tlp-amber"
    notes: str = ""


@dataclass
class Table:
    rows: list[Row]
    findings: list[Finding]


def problem(row: int, column: str | None, message: str, value: str | None = None) -> Finding:
    return Finding(severity="Violation", message=message, check="table", row=row, column=column, value=value)


# ----------------------------------------------------------------- reading
def read_csv(data: bytes, source: str = "upload.csv") -> list[list[str]]:
    text = decode_check(data, source).decode("utf-8")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)]
    except csv.Error as exc:
        raise ParseError(source, f"not a well-formed CSV table: {exc}") from None


def check_xlsx_container(data: bytes, source: str) -> None:
    """Refuse zip bombs, macros and external links before openpyxl opens anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ParseError(source, "not an XLSX file (it is not a zip archive)") from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise TooLarge(f"{source}: {info.filename} expands {info.file_size // max(info.compress_size, 1)}"
                           " times; refused as a possible zip bomb")  # fmt: skip
        name = info.filename.lower()
        if name.endswith("vbaproject.bin") or (name.endswith(".bin") and "vba" in name):
            raise BadRequest(
                f"{source}: the workbook contains macros; save it as a plain .xlsx without macros"
            )
        if name.startswith("xl/externallinks/"):
            raise BadRequest(f"{source}: the workbook links to other workbooks; remove external links")
    if total > XLSX_MAX_UNCOMPRESSED:
        raise TooLarge(f"{source}: the workbook expands to {total:,} bytes (limit {XLSX_MAX_UNCOMPRESSED:,})")


def read_xlsx(data: bytes, source: str = "upload.xlsx") -> list[list[str]]:
    """The first worksheet's cells as text; formulas are refused, not evaluated."""
    import openpyxl

    check_xlsx_container(data, source)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ParseError(source, f"cannot read the workbook: {exc}") from None
    sheet = workbook.worksheets[0]
    table: list[list[str]] = []
    for r, cells in enumerate(sheet.iter_rows(), start=1):
        if r > MAX_ROWS + 1:
            raise TooLarge(f"{source}: more than {MAX_ROWS:,} rows")
        values = []
        for c, cell in enumerate(cells, start=1):
            value = cell.value
            if getattr(cell, "data_type", None) == "f":
                raise ParseError(source, "formulas are not accepted; type the value instead", r, c)
            if value is None:
                values.append("")
            elif isinstance(value, dt.datetime):
                values.append(value.date().isoformat())
            elif isinstance(value, dt.date):
                values.append(value.isoformat())
            else:
                values.append(str(value))
        table.append(values)
    workbook.close()
    return table


# ---------------------------------------------------------------- checking
def check_header(header: list[str], source: str) -> dict[str, int]:
    names = [h.strip().lower().replace(" ", "_") for h in header]
    unknown = [h for h in names if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise ParseError(
            source,
            "; ".join(parts) + ". The header is: " + ", ".join(COLUMNS)
            + " (download /api/v1/contributions/template.csv)",
            1,
        )  # fmt: skip
    return {name: i for i, name in enumerate(names) if name}


def _date(text: str, row: int, column: str, findings: list[Finding]) -> dt.date | None:
    if not text:
        return None
    try:
        value = dt.date.fromisoformat(text[:10] if len(text) > 10 and "T" in text else text)
    except ValueError:
        findings.append(problem(row, column, f"{text!r} is not a date; write YYYY-MM-DD", text))
        return None
    if value > dt.datetime.now(dt.UTC).date():
        findings.append(problem(row, column, f"{text} is in the future", text))
        return None
    return value


def language_tag(text: str) -> str | None:
    """A well-formed, supported BCP 47 tag in its normal form, or None."""
    if not text or not langcodes.tag_is_valid(text):
        return None
    tag = langcodes.standardize_tag(text)
    return tag if tag.split("-")[0] in SUPPORTED_LANGUAGES else None


def substance_index(lexicon: Lexicon) -> dict[str, set[str]]:
    """Every way to name a substance → the substance IRIs it may mean."""
    index: dict[str, set[str]] = {}
    for iri in lexicon.substance_names:
        index.setdefault(iri.lower(), set()).add(iri)
        index.setdefault(iri.rsplit("/", 1)[-1].lower(), set()).add(iri)
    for entry in lexicon.entries:
        if entry.is_substance_name:
            index.setdefault(entry.form.casefold(), set()).add(entry.concept)
    return index


def check_rows(
    table: list[list[str]], source: str, substances: dict[str, set[str]], default_country: str | None
) -> Table:
    if not table or not any(cell.strip() for cell in table[0]):
        raise ParseError(source, "the table is empty; it needs the template's header row", 1)
    columns = check_header(table[0], source)
    if len(table) - 1 > MAX_ROWS:
        raise TooLarge(f"{source}: {len(table) - 1:,} rows; at most {MAX_ROWS:,} per contribution")
    rows: list[Row] = []
    findings: list[Finding] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are harmless
        get = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        before = len(findings)
        row = _check_row(number, get, substances, default_country, findings)
        if len(findings) == before:
            rows.append(row)
    if not rows and not findings:
        raise ParseError(source, "the table has a header but no rows", 2)
    return Table(rows, findings)


def _check_row(
    n: int, get: dict[str, str], substances: dict[str, set[str]], default_country: str | None,
    findings: list[Finding],
) -> Row:  # fmt: skip
    row = Row(number=n)
    for column, value in get.items():
        if len(value) > MAX_CELL:
            findings.append(problem(n, column, f"longer than {MAX_CELL} characters"))
            get[column] = ""
    row.term = get.get("term", "")
    if not row.term:
        findings.append(problem(n, "term", "the term is empty"))
    row.term_type = get.get("term_type", "").lower().replace("_", "-").replace(" ", "-")
    if row.term_type not in TERM_TYPES:
        findings.append(problem(n, "term_type", f"{get.get('term_type')!r} is not a term type; use one of "
                                + ", ".join(TERM_TYPES), get.get("term_type")))  # fmt: skip
    lang = get.get("language", "")
    if not lang and row.term_type in EMOJI_TYPES:
        lang = "zxx"
    tag = language_tag(lang)
    if tag is None:
        findings.append(problem(n, "language", f"{lang!r} is not a supported BCP 47 language tag "
                                "(en, de, pl, ..., zxx for emoji)", lang))  # fmt: skip
    row.language = tag or ""
    names = [s.strip() for s in get.get("substances", "").split(";") if s.strip()]
    if not names:
        findings.append(problem(n, "substances", "name at least one substance"))
    for name in names:
        found = substances.get(name.casefold()) or substances.get(name.lower())
        if not found:
            findings.append(problem(n, "substances", f"unknown substance {name!r}; use an id (S0012), a URI "
                                    "or a name the Knowledge Package knows", name))  # fmt: skip
        elif len(found) > 1:
            findings.append(problem(n, "substances", f"{name!r} names several substances ("
                                    + ", ".join(sorted(found)) + "); use an id", name))  # fmt: skip
        else:
            row.substances.append(next(iter(found)))
    row.meaning = get.get("meaning", "")
    ambiguity = get.get("ambiguity", "").lower() or "medium"
    if ambiguity not in AMBIGUITY:
        findings.append(problem(n, "ambiguity", f"{ambiguity!r}: use low, medium or high", ambiguity))
    row.ambiguity = ambiguity
    row.benign_meanings = [b.strip() for b in get.get("benign_meaning", "").split(";") if b.strip()]
    signal = get.get("needs_other_signal", "").lower()
    if signal in YES:
        row.needs_other_signal = True
    elif signal in NO:
        row.needs_other_signal = False
    elif not signal:
        row.needs_other_signal = ambiguity == "high"
    else:
        findings.append(problem(n, "needs_other_signal", f"{signal!r}: write yes or no", signal))
    for platform in (p.strip().lower() for p in get.get("platforms", "").split(";") if p.strip()):
        if platform not in PLATFORMS:
            findings.append(problem(n, "platforms", f"unknown platform {platform!r}; use "
                                    + ", ".join(PLATFORMS), platform))  # fmt: skip
        else:
            row.platforms.append(platform)
    country = get.get("country", "") or default_country
    if country:
        try:
            row.country = country_code(country)
        except BadRequest as exc:
            findings.append(problem(n, "country", str(exc), country))
    if default_country and row.country and row.country != default_country:
        findings.append(problem(n, "country", f"your token is for {default_country}; you cannot report "
                                f"for {row.country}", row.country))  # fmt: skip
    row.first_seen = _date(get.get("first_seen", ""), n, "first_seen", findings)
    row.last_seen = _date(get.get("last_seen", ""), n, "last_seen", findings)
    if row.first_seen and row.last_seen and row.first_seen > row.last_seen:
        findings.append(problem(n, "first_seen", "first_seen is after last_seen"))
    row.source = get.get("source", "")
    handling = get.get("handling", "").lower().replace(" ", "") or "tlp:amber"
    handling = handling if handling.startswith("tlp") else "tlp:" + handling
    handling = handling.replace("tlp-", "tlp:")
    if handling not in HANDLING:
        findings.append(problem(n, "handling", f"{get.get('handling')!r}: use TLP:CLEAR, TLP:GREEN or "
                                "TLP:AMBER", get.get("handling")))  # fmt: skip
    row.handling = HANDLING.get(handling, "tlp-amber")
    row.notes = get.get("notes", "")
    return row
