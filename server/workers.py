"""SPARQL queries in worker processes, so that a query past its time limit can
really be stopped.

pyoxigraph has no query timeout and a running query cannot be interrupted
from another thread. Each worker process opens a read-only *snapshot* of the
store (a RocksDB checkpoint: hard links to immutable files, so the writer's
compactions cannot pull files from under it) and runs one query at a time.
When a query overruns, its worker is killed — its CPU is released at once —
and a fresh worker takes its place; other requests go on in the other
workers meanwhile. After every write the owner takes a new snapshot and
workers switch to it before their next query, so they never answer from
stale data.

The pool is driven from the event loop: a job is written to an idle worker's
pipe and the loop waits for the pipe to become readable (no thread hand-off
per query, which cost more than the query itself for a lookup).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import multiprocessing as mp
import os
import struct
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from server.errors import KpError, NotAcceptable, Overloaded, QueryAborted, QuerySyntaxError, QueryTimeout
from server.snapshots import SnapshotSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryJob:
    query: str
    #: The caller's handling level: which snapshot answers.
    level: str
    #: True: the snapshot's union is the default graph (no dataset was asked for).
    union: bool
    default_graph: list[str]
    named_graphs: list[str]
    results_media: str | None  # for SELECT / ASK
    graph_media: str | None  # for CONSTRUCT / DESCRIBE
    row_cap: int


@dataclass(frozen=True)
class QueryOutcome:
    media_type: str
    body: bytes
    kind: str  # "solutions", "boolean" or "graph"
    rows: int
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _worker_main(jobs: Connection, conn: Connection, memory_mb: int) -> None:
    """Loop of one worker process: receive (snapshot, job) on ``jobs``, answer on ``conn``."""
    import resource

    from server import query_exec  # imported in the child only

    if memory_mb > 0:
        # A query that tries to take more dies alone, not the machine.
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    stores: dict[str, Any] = {}  # open snapshots by path, one per level at most
    while True:
        try:
            message = marshal.loads(jobs.recv_bytes())
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        snapshot, fields = message
        try:
            store = stores.get(snapshot)
            if store is None:
                level_dir = snapshot.rsplit("/", 1)[-1]
                for path in [p for p in stores if p.rsplit("/", 1)[-1] == level_dir]:
                    del stores[path]  # an older snapshot of the same level
                store = stores[snapshot] = query_exec.open_reader(snapshot)
            outcome = query_exec.run(store, QueryJob(*fields))
            answer: tuple[Any, ...] = ("ok", *_outcome_fields(outcome))
        except query_exec.JobError as exc:
            answer = (exc.kind, exc.message, exc.extra)
        except MemoryError:
            # Out of memory in Python rather than in oxigraph: same outcome as a
            # crash. Say so and stop; the pool starts a fresh worker.
            stores.clear()
            conn.send_bytes(marshal.dumps(("aborted", "", {})))
            return
        except Exception as exc:  # a bug must not kill the worker silently
            answer = ("error", f"{type(exc).__name__}: {exc}", {})
        conn.send_bytes(marshal.dumps(answer))


# Jobs and outcomes cross the pipe as marshalled tuples of plain values: both
# ends run the same interpreter, and it costs far less than pickling classes.
def _job_fields(job: QueryJob) -> tuple[Any, ...]:
    return (job.query, job.level, job.union, job.default_graph, job.named_graphs,
            job.results_media, job.graph_media, job.row_cap)  # fmt: skip


def _outcome_fields(outcome: QueryOutcome) -> tuple[Any, ...]:
    return (outcome.media_type, outcome.body, outcome.kind, outcome.rows, outcome.truncated)


class _Expired(Exception):
    """A query's time limit passed before its worker answered."""


def _expire(answered: asyncio.Future[bytes]) -> None:
    if not answered.done():
        answered.set_exception(_Expired())


class _Worker:
    """One worker process, seen from the pool: jobs go down one pipe, answers
    come back up another, which the event loop watches for as long as the
    worker lives (watching it per query cost two system calls each time)."""

    def __init__(self, ctx: Any, memory_mb: int) -> None:
        jobs_in, jobs_out = ctx.Pipe(duplex=False)
        answers_in, answers_out = ctx.Pipe(duplex=False)
        self.jobs: Connection = jobs_out
        self.answers: Connection = answers_in
        self.process = ctx.Process(target=_worker_main, args=(jobs_in, answers_out, memory_mb), daemon=True)
        self.process.start()
        jobs_in.close()
        answers_out.close()
        self._buffer = bytearray()
        self._waiting: asyncio.Future[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def ask(self, loop: asyncio.AbstractEventLoop, message: bytes) -> asyncio.Future[bytes]:
        """Send a job; the future gets the answer's bytes (EOFError if the worker dies)."""
        if self._loop is not loop:
            self.unwatch()
            self._loop = loop
            loop.add_reader(self.answers.fileno(), self._readable)  # makes it non-blocking
        self._waiting = loop.create_future()
        self.jobs.send_bytes(message)
        return self._waiting

    def _readable(self) -> None:
        try:
            data = os.read(self.answers.fileno(), 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the worker is gone
            self.unwatch()
            self._settle(EOFError("the query worker exited"))
            return
        self._buffer += data
        # Answers are framed by Connection.send_bytes: a signed 4-byte big-endian
        # length, or -1 and an 8-byte length for answers past 2 GiB.
        if len(self._buffer) < 4:
            return
        (size,) = struct.unpack_from("!i", self._buffer)
        start = 4
        if size == -1:
            if len(self._buffer) < 12:
                return
            (size,) = struct.unpack_from("!Q", self._buffer, 4)
            start = 12
        if len(self._buffer) < start + size:
            return
        answer = bytes(self._buffer[start : start + size])
        del self._buffer[: start + size]
        self._settle(answer)

    def _settle(self, result: bytes | BaseException) -> None:
        future, self._waiting = self._waiting, None
        if future is None or future.done():
            return
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)

    def unwatch(self) -> None:
        """Stop watching the answers (in the event loop's thread, before the worker is replaced)."""
        if self._loop is not None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                self._loop.remove_reader(self.answers.fileno())
            self._loop = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.jobs.close()
        self.answers.close()


class QueryPool:
    """A fixed number of query worker processes over the current snapshots."""

    def __init__(
        self,
        snapshots: SnapshotSet,
        size: int = 2,
        timeout: float = 30.0,
        wait: float = 10.0,
        memory_mb: int = 0,
    ) -> None:
        self._ctx = mp.get_context("spawn")
        self.memory_mb = memory_mb
        self.snapshots = snapshots
        self.timeout = timeout
        self.wait = wait
        self._workers = [_Worker(self._ctx, self.memory_mb) for _ in range(max(1, size))]
        self._idle: asyncio.Queue[_Worker] | None = None  # made in the event loop on first use
        self._lock = threading.Lock()
        self._closed = False

    def use_snapshots(self, snapshots: SnapshotSet) -> None:
        """Answer the next queries from these snapshots."""
        with self._lock:
            self.snapshots = snapshots

    def _fresh(self, old: _Worker) -> _Worker:
        old.kill()
        return _Worker(self._ctx, self.memory_mb)

    def _replace_later(self, loop: asyncio.AbstractEventLoop, old: _Worker) -> None:
        fresh = self._fresh(old)
        if self._idle is not None and not self._closed:
            loop.call_soon_threadsafe(self._idle.put_nowait, fresh)
        else:
            fresh.kill()

    async def run(self, job: QueryJob, timeout: float | None = None) -> QueryOutcome:
        """Run a job in a worker process; the caller's coroutine waits, the loop goes on."""
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        if not self._idle.empty():
            worker = self._idle.get_nowait()
        else:
            try:
                worker = await asyncio.wait_for(self._idle.get(), self.wait)
            except TimeoutError:
                raise Overloaded("all query workers are busy; try again shortly") from None
        started = time.monotonic()
        give_back = True
        try:
            message = marshal.dumps((str(self.snapshots.levels[job.level]), _job_fields(job)))
            answered = worker.ask(loop, message)
            # The time limit is a timer, not a task per query.
            timer = loop.call_later(limit, _expire, answered)
            try:
                raw = await answered
            finally:
                timer.cancel()
            answer = marshal.loads(raw)
            if answer[0] == "aborted":
                raise EOFError
        except _Expired:
            worker.unwatch()
            worker = await loop.run_in_executor(None, self._fresh, worker)
            raise QueryTimeout(
                f"the query ran past the time limit of {limit:g} s and was cancelled; "
                "narrow it (LIMIT, more specific patterns) or ask an administrator for a longer limit"
            ) from None
        except asyncio.CancelledError:
            # The request went away while its query ran: the worker may still answer it
            # later, so it must not take another job. Replace it in the background.
            give_back = False
            worker.unwatch()
            loop.run_in_executor(None, self._replace_later, loop, worker)
            raise
        except (EOFError, BrokenPipeError, OSError) as exc:
            log.warning("query worker lost (%s: %s); starting a fresh one", type(exc).__name__, exc)
            worker.unwatch()
            worker = await loop.run_in_executor(None, self._fresh, worker)
            raise QueryAborted(
                "the query stopped before it finished (it may have needed more memory than a query may use); "
                "narrow it and try again"
            ) from None
        finally:
            if not give_back:
                pass
            elif not self._closed:
                self._idle.put_nowait(worker)
            else:
                worker.unwatch()
                worker.kill()
        if answer[0] == "ok":
            outcome = QueryOutcome(*answer[1:])
            outcome.extra["seconds"] = round(time.monotonic() - started, 4)
            return outcome
        kind, message, extra = answer
        if kind == "syntax":
            raise QuerySyntaxError(message)
        if kind == "not_acceptable":
            raise NotAcceptable(message, extra.get("offers", []))
        raise KpError(message)

    def close(self) -> None:
        self._closed = True
        workers = list(self._workers)
        if self._idle is not None:
            while not self._idle.empty():
                workers.append(self._idle.get_nowait())
        for worker in {id(w): w for w in workers}.values():
            worker.unwatch()
            with contextlib.suppress(OSError):
                worker.jobs.send_bytes(marshal.dumps(None))
            worker.kill()
