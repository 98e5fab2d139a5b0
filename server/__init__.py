"""Drug-term Knowledge Package: knowledge model, store, validation and server."""

__version__ = "0.1.0"
