"""Every SPARQL text the application runs, in one place.

Queries that serve readers run over the union of the graphs a caller may see
(a level snapshot, or the visible graphs as the default graph). Values from
clients never enter these texts: IRIs are bound with ``store.bind_iris`` (which
only accepts validated ``NamedNode`` values) or passed as substitutions.
"""

from __future__ import annotations

from server.namespaces import PREFIXES

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(PREFIXES.items()))

# ------------------------------------------------------------------ metadata
GRAPH_INFOS = """
SELECT ?meta ?graph ?source ?handling ?triples ?modified ?kind WHERE {
    GRAPH ?meta {
        ?graph a <http://rdfs.org/ns/void#Dataset> ;
            dct:source ?source ;
            dct:type ?kind ;
            kp:handling ?handling ;
            <http://rdfs.org/ns/void#triples> ?triples ;
            dct:modified ?modified .
    }
} ORDER BY ?graph
"""

# ---------------------------------------------------------------- statistics
# Named queries: each one runs over the union of the graphs a caller may see.

STATS_TOTALS = """
SELECT
    (COUNT(DISTINCT ?term) AS ?terms)
    (COUNT(DISTINCT ?label) AS ?labels)
    (COUNT(DISTINCT ?lang) AS ?languages)
WHERE {
    ?term a kp:DrugTerm .
    OPTIONAL {
        ?term skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
        ?label skosxl:literalForm ?form .
        BIND (LANG(?form) AS ?lang)
    }
}
"""

STATS_SUBSTANCES = """
SELECT (COUNT(DISTINCT ?s) AS ?substances) (COUNT(DISTINCT ?g) AS ?groups) WHERE {
    ?s a kp:Substance .
    OPTIONAL { ?s a kp:SubstanceGroup . BIND (?s AS ?g) }
}
"""

STATS_BY_LANGUAGE = """
SELECT ?lang (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?term) AS ?terms) WHERE {
    ?term a kp:DrugTerm ;
        skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
    ?label skosxl:literalForm ?form .
    BIND (LANG(?form) AS ?lang)
} GROUP BY ?lang ORDER BY DESC(?labels) ?lang
"""

STATS_BY_TERM_TYPE = """
SELECT ?type (SAMPLE(?name) AS ?typeLabel) (COUNT(DISTINCT ?label) AS ?labels) WHERE {
    ?label a skosxl:Label ;
        kp:termType ?type .
    OPTIONAL { ?type skos:prefLabel ?name FILTER (LANG(?name) = "en") }
} GROUP BY ?type ORDER BY DESC(?labels) ?type
"""

STATS_BY_HANDLING = """
SELECT ?level (SAMPLE(?name) AS ?levelLabel) (COUNT(DISTINCT ?label) AS ?labels) WHERE {
    ?label a skosxl:Label ;
        kp:handling ?level .
    OPTIONAL { ?level skos:prefLabel ?name FILTER (LANG(?name) = "en") }
} GROUP BY ?level ORDER BY ?level
"""

STATS_BY_SUBSTANCE = """
SELECT ?substance (SAMPLE(?name) AS ?substanceLabel)
    (COUNT(DISTINCT ?term) AS ?terms) (COUNT(DISTINCT ?label) AS ?labels)
WHERE {
    ?term a kp:DrugTerm ;
        kp:refersTo ?substance .
    OPTIONAL { ?term skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label }
    OPTIONAL { ?substance skos:prefLabel ?name FILTER (LANG(?name) = "en") }
} GROUP BY ?substance ORDER BY DESC(?terms) ?substanceLabel
"""

# ------------------------------------------------------------ linked data
# One resource's document, in two steps (one big UNION query was 2.5 times
# slower): its own triples, its SKOS-XL labels and the terms that refer to it;
# then the names of everything those link to.
DESCRIBE_CORE = """
CONSTRUCT {
    ?resource ?p ?o .
    ?label ?lp ?lo .
    ?term kp:refersTo ?resource .
    ?term skos:prefLabel ?termName .
    ?term skos:altLabel ?termAlt .
}
WHERE {
    { ?resource ?p ?o }
    UNION {
        ?resource skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
        ?label ?lp ?lo .
    }
    UNION {
        ?term kp:refersTo ?resource .
        { ?term skos:prefLabel ?termName } UNION { ?term skos:altLabel ?termAlt }
    }
}
"""

LINKED_NAMES = """
CONSTRUCT { ?linked skos:prefLabel ?name . ?linked rdfs:label ?rdfsLabel }
WHERE {
    VALUES ?linked { ?linkedIris }
    { ?linked skos:prefLabel ?name } UNION { ?linked rdfs:label ?rdfsLabel }
}
"""

RESOURCE_IRIS = """
SELECT DISTINCT ?resource WHERE {
    { ?resource a kp:DrugTerm } UNION { ?resource a kp:Substance }
} ORDER BY ?resource
"""

ONTOLOGY_DOCUMENT = """
CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }
"""

# ------------------------------------------------------------------ lexicon
# Every label of a level snapshot with what the matcher and search need; one
# row per (label, substance). Substance names come as labels of their own.
LEXICON_TERM_LABELS = """
SELECT ?label ?form ?kind ?concept ?type ?ambiguity ?needsOther ?handling ?deprecated ?replacedBy ?substance
WHERE {
    ?concept a kp:DrugTerm .
    { ?concept skosxl:prefLabel ?label BIND ("pref" AS ?kind) }
    UNION { ?concept skosxl:altLabel ?label BIND ("alt" AS ?kind) }
    UNION { ?concept skosxl:hiddenLabel ?label BIND ("hidden" AS ?kind) }
    ?label skosxl:literalForm ?form .
    OPTIONAL { ?label kp:termType ?type }
    OPTIONAL { ?label kp:ambiguity ?ambiguity }
    OPTIONAL { ?label kp:needsOtherSignal ?needsOther }
    OPTIONAL { ?label kp:handling ?handling }
    OPTIONAL { ?concept owl:deprecated ?deprecated }
    OPTIONAL { ?concept dct:isReplacedBy ?replacedBy }
    OPTIONAL { ?concept kp:refersTo ?substance }
}
"""

LEXICON_SUBSTANCE_NAMES = """
SELECT ?concept ?form ?kind ?deprecated WHERE {
    ?concept a kp:Substance .
    { ?concept skos:prefLabel ?form BIND ("pref" AS ?kind) }
    UNION { ?concept skos:altLabel ?form BIND ("alt" AS ?kind) }
    UNION { ?concept skos:hiddenLabel ?form BIND ("hidden" AS ?kind) }
    OPTIONAL { ?concept owl:deprecated ?deprecated }
}
"""

# ------------------------------------------------------------ contributions
# Run over the records graph only (never published, never in a snapshot).
CONTRIBUTION_RECORDS = """
SELECT ?contribution ?id ?status ?submitter ?creator ?country ?created ?title ?format ?sha256 ?report
    ?reviewer ?reviewed ?reason
WHERE {
    ?contribution a kp:Contribution ;
        dct:identifier ?id ;
        kp:reviewStatus ?status ;
        kp:submittedBy ?submitter ;
        dct:creator ?creator ;
        dct:created ?created ;
        dct:title ?title ;
        dct:format ?format ;
        kp:sha256 ?sha256 ;
        kp:validationReport ?report .
    OPTIONAL { ?contribution dct:spatial ?country }
    OPTIONAL { ?contribution kp:reviewedBy ?reviewer }
    OPTIONAL { ?contribution prov:endedAtTime ?reviewed }
    OPTIONAL { ?contribution rdfs:comment ?reason }
}
"""

# ------------------------------------------------------------------ skosmos
# The Skosmos-compatible REST API (server/skosmos.py) reads its catalogue of
# concept schemes from a level snapshot with these, once per store version.
SKOSMOS_SCHEMES = """
SELECT ?scheme ?title WHERE {
    ?scheme a skos:ConceptScheme .
    OPTIONAL { ?scheme skos:prefLabel|dct:title ?title }
}
"""

SKOSMOS_MEMBERS = """
SELECT ?concept ?scheme ?type ?notation ?deprecated WHERE {
    ?concept skos:inScheme ?scheme ;
        a ?type .
    OPTIONAL { ?concept skos:notation ?notation }
    OPTIONAL { ?concept owl:deprecated ?deprecated }
}
"""

SKOSMOS_LABELS = """
SELECT DISTINCT ?concept ?form ?kind WHERE {
    ?concept skos:inScheme ?scheme .
    { ?concept skos:prefLabel ?form BIND ("pref" AS ?kind) }
    UNION { ?concept skos:altLabel ?form BIND ("alt" AS ?kind) }
    UNION { ?concept skos:hiddenLabel ?form BIND ("hidden" AS ?kind) }
}
"""

# skos:broader and skos:narrower, whichever side states it.
SKOSMOS_HIERARCHY = """
SELECT DISTINCT ?narrower ?broader WHERE {
    { ?narrower skos:broader ?broader } UNION { ?broader skos:narrower ?narrower }
}
"""

SKOSMOS_TOP = """
SELECT DISTINCT ?scheme ?concept WHERE {
    { ?scheme skos:hasTopConcept ?concept } UNION { ?concept skos:topConceptOf ?scheme }
}
"""

# A concept's mappings to other vocabularies (?concept is bound).
SKOSMOS_MAPPINGS = """
SELECT ?concept ?property ?target WHERE {
    VALUES ?property { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
    ?concept ?property ?target .
    FILTER (isIRI(?target))
} ORDER BY ?property ?target
"""
