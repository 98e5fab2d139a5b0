"""The project's own errors.

Domain modules raise these and never an HTTP exception; the CLI (and later the
HTTP layer) map them to exit codes and status codes in one place. Each error
has a stable ``code`` that clients may rely on.
"""

from __future__ import annotations

from pathlib import Path


class KpError(Exception):
    """Base of every error the Knowledge Package reports to a user."""

    code = "error"


class ParseError(KpError):
    """A file or upload that is not well-formed in its format."""

    code = "parse_error"

    def __init__(
        self, source: str | Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = str(source)
        self.message = message
        self.line = line
        self.column = column
        where = self.source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class UnsupportedFormat(KpError):
    """A file whose format cannot be told from its name or declared type."""

    code = "unsupported_format"


class InvalidData(KpError):
    """Data that parsed but does not pass the shapes; carries the report."""

    code = "invalid_data"

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class StoreError(KpError):
    """The store cannot be opened or written (locked, missing, corrupt)."""

    code = "store_error"


class BadRequest(KpError):
    """A request that is malformed (missing or conflicting parameters)."""

    code = "bad_request"


class Unauthorized(KpError):
    """No valid token where one is needed."""

    code = "unauthorized"


class Forbidden(KpError):
    """A valid token whose role is not enough."""

    code = "forbidden"


class TooLarge(KpError):
    """A request body over the size limit."""

    code = "too_large"


class UnsupportedMedia(KpError):
    """A request body of a media type the route does not take."""

    code = "unsupported_media_type"


class QueryTimeout(KpError):
    """A query past its time limit; its work was stopped."""

    code = "query_timeout"


class QueryAborted(KpError):
    """A query whose worker died (out of memory, crash): the service, not the client, failed."""

    code = "query_aborted"


class QuerySyntaxError(KpError):
    """A SPARQL query or update that does not parse."""

    code = "query_syntax"


class NotAcceptable(KpError):
    """No format the client accepts; ``offers`` lists the ones there are."""

    code = "not_acceptable"

    def __init__(self, message: str, offers: list[str]) -> None:
        super().__init__(message)
        self.offers = offers


class Overloaded(KpError):
    """Every query worker stayed busy for too long."""

    code = "overloaded"


class NotFound(KpError):
    """An unknown resource, or one above the caller's handling level."""

    code = "not_found"


class Conflict(KpError):
    """The request contradicts the resource's state (approving twice, say)."""

    code = "conflict"
