"""``kp match``'s output lines, written fast: the same text as
``json.dumps({"id": …, **matcher.as_data(result, lang)}, ensure_ascii=False)``.

A dump of millions of posts has tens of thousands with matches, and each match
repeats the same label's details (its URIs, substances and their names, type,
ambiguity). Those parts are encoded by the JSON encoder once per label and
language, and each line is put together from such pieces and the few values of
its own (offsets, matched text, confidence), each encoded by the encoder too.
``tests/test_match_output.py`` holds the lines to ``json.dumps`` of
:meth:`server.match.Matcher.as_data`.
"""

from __future__ import annotations

import json
from typing import Any

from server.match import NOTHING, Matcher, TextResult
from server.match_score import Compiled

#: ``json.dumps(value, ensure_ascii=False)``, without a new encoder per call (and without
#: looking for cycles: the values are plain trees).
ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)
encode = ENCODER.encode
#: The rest of the line of a post without matches.
NONE_FOUND = ', "matches": [], "substances": [], "signals": []}\n'


class Lines:
    """Output lines of one matcher's results, names in ``lang`` where there are some."""

    def __init__(self, matcher: Matcher, lang: str) -> None:
        self.matcher = matcher
        self.lang = lang
        self._labels: dict[int, str] = {}  # id(compiled label) → its details, encoded
        self._substances: dict[str, str] = {}  # substance IRI → '{"uri": …, "label": …'
        # A result shared by posts that say the same (Matcher.scan's memo) → its line after
        # the id. (The result is kept with it, so that its id() is not another's.)
        self._bodies: dict[int, tuple[TextResult, str]] = {}

    def line(self, post_id: Any, result: TextResult) -> str:
        """The line of one post (with its new line)."""
        if result is NOTHING:
            return f'{{"id": {encode(post_id)}{NONE_FOUND}'
        known = self._bodies.get(id(result))
        if known is None or known[0] is not result:
            if len(self._bodies) > 20_000:
                self._bodies.clear()
            known = self._bodies[id(result)] = (result, self._body(result))
        return f'{{"id": {post_id if type(post_id) is int else encode(post_id)}{known[1]}'

    def _body(self, result: TextResult) -> str:
        """What follows the id in a line with this result."""
        name = self.matcher.lexicon.substance_name
        matches = ", ".join(
            f'{{"start": {m.start}, "end": {m.end}, "text": {encode(m.text)}, {self._label(m.label)}'
            f', "confidence": {round(m.confidence, 2)!r}, "reason": {encode(m.reason)}}}'
            for m in result.matches
        )
        substances = ", ".join(
            f'{self._substance(s, name)}, "confidence": {round(c, 2)!r}}}'
            for s, c in sorted(result.substances().items(), key=lambda item: (-item[1], item[0]))
        )
        signals = encode(sorted(set(result.signals)))
        return f', "matches": [{matches}], "substances": [{substances}], "signals": {signals}}}\n'

    def _label(self, label: Compiled) -> str:
        """A match's details from "label" to "ambiguity", encoded (without the braces)."""
        found = self._labels.get(id(label))
        if found is None:
            entry, name = label.entry, self.matcher.lexicon.substance_name
            details = {
                "label": entry.form,
                "lang": entry.lang,
                "label_uri": entry.label,
                "concept": entry.concept,
                "substances": [{"uri": s, "label": name(s, self.lang)} for s in entry.substances],
                "term_type": entry.term_type.rsplit("/", 1)[-1] if entry.term_type else "substance-name",
                "ambiguity": entry.ambiguity,
            }
            found = self._labels[id(label)] = encode(details)[1:-1]
        return found

    def _substance(self, iri: str, name: Any) -> str:
        found = self._substances.get(iri)
        if found is None:
            found = self._substances[iri] = encode({"uri": iri, "label": name(iri, self.lang)})[:-1]
        return found
