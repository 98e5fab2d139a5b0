"""Dereferenceable URIs (W3C recipe 3, slash namespace): which document a URI
has, in which format, with which validators. No HTTP here: routers call it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from server import formats
from server.access import Caller
from server.config import Settings
from server.errors import NotAcceptable, NotFound
from server.loader import meta_graph
from server.namespaces import PREFIXES
from server.queries import ONTOLOGY_DOCUMENT
from server.store import VISIBLE_LEVELS, EmbeddedStore

#: Document extensions and their media types (html first: the default).
EXTENSIONS: dict[str, str] = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}
KINDS = ("term", "substance", "label", "scheme", "contribution", "release")


@dataclass(frozen=True)
class Document:
    body: bytes
    media_type: str
    etag: str


def split_extension(name: str) -> tuple[str, str | None]:
    stem, dot, ext = name.rpartition(".")
    if dot and ext in EXTENSIONS and stem:
        return stem, ext
    return name, None


def choose_extension(accept: str | None) -> str:
    """The document a client's Accept header asks for; browsers get HTML."""
    media = formats.negotiate(accept, list(EXTENSIONS.values()))
    if media is None:
        raise NotAcceptable(
            "none of the requested media types is available for this resource", list(EXTENSIONS.values())
        )
    return next(ext for ext, m in EXTENSIONS.items() if m == media)


def resource_iri(settings: Settings, kind: str, name: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(f"{settings.base}{kind}/{name}")
    except ValueError:
        raise NotFound(f"no resource is named {kind}/{name}") from None


def visible(settings: Settings, store: EmbeddedStore, caller: Caller) -> list[str]:
    allowed = VISIBLE_LEVELS[caller.level]
    return [i.iri for i in store.graph_infos(meta_graph(settings)) if i.handling in allowed]


def describe(
    settings: Settings, store: EmbeddedStore, reader: EmbeddedStore, caller: Caller, iri: ox.NamedNode
) -> list[ox.Triple]:
    """A resource's triples at the caller's level; NotFound when it has none.

    ``reader`` is the snapshot of the caller's level (all of it visible);
    ``store`` holds the metadata that says which graph is the ontology."""
    if iri.value in (f"{settings.base}ontology", f"{settings.base}ontology/"):
        graphs = visible(settings, store, caller)
        ontology = [
            i.iri for i in store.graph_infos(meta_graph(settings)) if i.kind == "ontology" and i.iri in graphs
        ]
        triples = store.construct(ONTOLOGY_DOCUMENT, ontology)
    else:
        triples = reader.describe(iri, None)
    if not any(t.subject == iri for t in triples):
        raise NotFound(f"{iri.value} is not known (or not visible at your handling level)")
    return triples


def serialize(triples: list[ox.Triple], ext: str) -> bytes:
    """An RDF document, written by pyoxigraph (JSON-LD with its context inline)."""
    fmt = formats.by_media(EXTENSIONS[ext])
    ordered = sorted(triples, key=str)
    return bytes(ox.serialize(ordered, format=fmt.rdf_format, prefixes=PREFIXES) or b"")


def not_found_body(iri: str, ext: str) -> bytes:
    """A 404 body in the negotiated format, so RDF clients can still parse it."""
    message = f"Not found: {iri}"
    if ext in ("ttl", "nt"):
        return f"# {message}\n".encode()
    if ext == "rdf":
        return f'<?xml version="1.0"?>\n<!-- {message} -->\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'.encode()
    if ext == "jsonld":
        return b'{"@graph": [], "error": "not_found"}\n'
    return message.encode()


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
