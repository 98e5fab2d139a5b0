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

#: Every subject of a store's union (to copy a snapshot into memory subject by subject).
ALL_SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"

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
SELECT ?type (SAMPLE(?name) AS ?typeLabel) (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?term) AS ?terms)
WHERE {
    ?term a kp:DrugTerm ;
        skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
    ?label kp:termType ?type .
    OPTIONAL { ?type skos:prefLabel ?name FILTER (LANG(?name) = "en") }
} GROUP BY ?type ORDER BY DESC(?labels) ?type
"""

STATS_BY_HANDLING = """
SELECT ?level (SAMPLE(?name) AS ?levelLabel) (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?term) AS ?terms)
WHERE {
    ?term a kp:DrugTerm ;
        skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
    ?label kp:handling ?level .
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

# Labels by the country they were seen in (dct:spatial; unbound: not stated).
STATS_BY_COUNTRY = """
SELECT ?country (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?term) AS ?terms) WHERE {
    ?term a kp:DrugTerm ;
        skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
    OPTIONAL { ?label dct:spatial ?country }
} GROUP BY ?country ORDER BY DESC(?labels) ?country
"""

# New labels and new terms by the month of their dct:created.
STATS_GROWTH = """
SELECT ?month (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?new) AS ?terms) WHERE {
    {
        ?term a kp:DrugTerm ;
            skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
        ?label dct:created ?date .
    } UNION {
        ?new a kp:DrugTerm ;
            dct:created ?date .
    }
    BIND (SUBSTR(STR(?date), 1, 7) AS ?month)
} GROUP BY ?month ORDER BY ?month
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

# ------------------------------------------------------------------- browse
# Run over one level snapshot (everything in it is visible to that level).
SUBSTANCE_TREE = """
SELECT ?substance ?broader ?group WHERE {
    ?substance a kp:Substance .
    OPTIONAL { ?substance skos:broader ?broader . ?broader a kp:Substance }
    BIND (EXISTS { ?substance a kp:SubstanceGroup } AS ?group)
}
"""

TERM_DATES = """
SELECT ?term ?created ?modified ?note WHERE {
    ?term a kp:DrugTerm .
    OPTIONAL { ?term dct:created ?created }
    OPTIONAL { ?term dct:modified ?modified }
    OPTIONAL { ?term skos:changeNote ?note }
}
"""

DEPRECATION_RECORDS = """
SELECT ?activity ?concept ?replacedBy ?decided ?reason WHERE {
    ?activity a prov:Activity ;
        dct:type "deprecation" ;
        prov:used ?concept ;
        prov:endedAtTime ?decided .
    OPTIONAL { ?activity dct:isReplacedBy ?replacedBy }
    OPTIONAL { ?activity rdfs:comment ?reason }
}
"""

# ------------------------------------------------------------------ exports
# Label details the lexicon does not carry: benign meanings and notes.
EXPORT_LABEL_DETAILS = """
SELECT ?label ?what ?value WHERE {
    ?concept a kp:DrugTerm ;
        skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?label .
    { ?label kp:benignMeaning ?value BIND ("benign" AS ?what) }
    UNION {
        ?label skos:note|skos:scopeNote|skos:editorialNote|skos:changeNote|rdfs:comment ?value
        BIND ("note" AS ?what)
    }
}
"""

EXPORT_DEFINITIONS = """
SELECT ?concept ?definition WHERE { ?concept a kp:DrugTerm ; skos:definition ?definition }
"""

# Mapping triples of substances and terms to other vocabularies (for SSSOM).
EXPORT_MAPPINGS = """
SELECT ?subject ?predicate ?object ?subjectLabel WHERE {
    VALUES ?predicate { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
    ?subject ?predicate ?object .
    OPTIONAL { ?subject skos:prefLabel ?subjectLabel FILTER (LANG(?subjectLabel) = "en") }
} ORDER BY ?subject ?predicate ?object
"""

# Concepts for the MISP taxonomy: substances (with their English names and
# definitions) and drug terms (with their preferred labels).
EXPORT_SUBSTANCES = """
SELECT ?concept ?name ?definition ?group ?deprecated WHERE {
    ?concept a kp:Substance .
    OPTIONAL { ?concept skos:prefLabel ?name FILTER (LANG(?name) = "en") }
    OPTIONAL { ?concept skos:definition ?definition FILTER (LANG(?definition) = "en") }
    OPTIONAL { ?concept a kp:SubstanceGroup BIND (true AS ?group) }
    OPTIONAL { ?concept owl:deprecated ?deprecated }
} ORDER BY ?concept
"""

EXPORT_SCHEME_CODES = """
SELECT ?concept ?name ?definition WHERE {
    ?concept skos:inScheme ?scheme .
    OPTIONAL { ?concept skos:prefLabel ?name FILTER (LANG(?name) = "en") }
    OPTIONAL { ?concept skos:definition ?definition FILTER (LANG(?definition) = "en") }
} ORDER BY ?concept
"""

# VoID statistics of a level.
EXPORT_VOID_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
    (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o }
"""

EXPORT_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class
"""

# ------------------------------------------------------------- SKOS import
# Labels of an external SKOS vocabulary (plain SKOS or SKOS-XL).
IMPORT_EXTERNAL_LABELS = """
SELECT ?concept ?form ?kind WHERE {
    ?concept a skos:Concept .
    { ?concept skos:prefLabel ?form BIND ("pref" AS ?kind) }
    UNION { ?concept skos:altLabel ?form BIND ("alt" AS ?kind) }
    UNION { ?concept skos:hiddenLabel ?form BIND ("hidden" AS ?kind) }
    UNION { ?concept skosxl:prefLabel/skosxl:literalForm ?form BIND ("pref" AS ?kind) }
    UNION { ?concept skosxl:altLabel/skosxl:literalForm ?form BIND ("alt" AS ?kind) }
    UNION { ?concept skosxl:hiddenLabel/skosxl:literalForm ?form BIND ("hidden" AS ?kind) }
    FILTER (isIRI(?concept) && isLiteral(?form))
}
"""

# Which of some IRIs are concepts of the Knowledge Package (in any graph).
KNOWN_CONCEPTS = """
SELECT DISTINCT ?concept WHERE {
    VALUES ?concept { ?conceptIris }
    { ?concept a kp:Substance } UNION { ?concept a kp:DrugTerm }
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
