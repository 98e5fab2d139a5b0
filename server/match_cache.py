"""Compiled matchers kept on disk, so that ``kp match`` does not compile the same
lexicon again on every run.

Compiling a :class:`~server.match.Matcher` (folding every label, building the
automata, looking labels up in word-frequency lists) costs a few tenths of a
second; a run over a small dump spends more time on it than on the dump. A
compiled matcher is stored under a key that is a digest of everything it is
made from: the lexicon itself (every entry and substance name, in order), the
source of this package (the matcher's code and data), and the versions of the
libraries it uses. A changed vocabulary, a new release of this code or of a
library is a new key, so a stale matcher is never reused; old files are
simply left behind (and the oldest removed, see :data:`KEEP`).

The files are pickles, read only from the cache folder of the operator's own
settings (as trusted as the store next to it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from server.lexicon import Lexicon
from server.match import Matcher

#: Libraries whose behaviour or data is part of a compiled matcher.
LIBRARIES = ("pyahocorasick", "ahocorasick_rs", "wordfreq", "confusable_homoglyphs")
#: Compiled matchers kept in the folder (one per vocabulary state and level, roughly).
KEEP = 8
SUFFIX = ".matcher"


def _code_digest() -> bytes:
    """A digest of this package's source and data files and the libraries' versions."""
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".tsv"))
    for path in files:
        digest.update(str(path.relative_to(package)).encode() + b"\x00" + path.read_bytes())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\x00".encode())
    return digest.digest()


def key(lexicon: Lexicon) -> str:
    """The cache key of the matcher compiled from ``lexicon`` by this code."""
    digest = hashlib.sha256(_code_digest())
    digest.update(repr(lexicon).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def compiled(lexicon: Lexicon, folder: Path | None) -> Matcher:
    """The matcher of ``lexicon``: from ``folder`` if it was compiled before, else
    compiled now and kept there (``folder`` None: no cache)."""
    if folder is None:
        return Matcher(lexicon)
    path = folder / (key(lexicon) + SUFFIX)
    try:
        with path.open("rb") as handle:
            matcher = pickle.load(handle)
        if isinstance(matcher, Matcher):
            return matcher
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass  # not there, or unreadable: compiled again and written over
    matcher = Matcher(lexicon)
    with contextlib.suppress(OSError):  # a read-only or full disk: the run goes on without
        _write(folder, path, matcher)
    return matcher


def _write(folder: Path, path: Path, matcher: Matcher) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(matcher, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # whole or not at all, even with another run writing too
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    kept = sorted(folder.glob("*" + SUFFIX), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP:]:
        old.unlink(missing_ok=True)
