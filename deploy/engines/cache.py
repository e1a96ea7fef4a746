"""One bounded, thread-safe LRU cache of loaded models, keyed by weights-file identity. Framework-free.

- **Key**: `weights_key(*paths, **options)`: each file's resolved path, size and mtime_ns, plus the engine
  options that change what is loaded (engine kind, device, dtype, image size...). Weights replaced on disk
  give a new key; loading it evicts every entry that holds the same path with an older stamp, so a
  redeployed or overwritten file never keeps its predecessor in memory.
- **Bound**: at most `max_models` entries (and, when set, `max_bytes` of estimated size: the model's
  `memory_bytes` attribute if it has one, else the size of its weight files); the least recently used
  goes first. The entry just loaded always stays, even when it alone is over `max_bytes`.
- **Single flight**: concurrent callers for one key wait for one load; a failed load is raised to all of
  them and is not cached (the next call tries again).
- **Background warm**: `warm(key, factory)` loads on this cache's loader thread and returns a Future, so a
  web request never loads a model itself: it calls `get(key, factory, timeout=...)`, which returns the
  model, or starts (or joins) the warm and waits up to `timeout`, then raises ModelLoading (503) while the
  load goes on.
- **Evict** a key (a deleted deployment) or every key of a file; `stats()` for monitoring.

Evicting only drops the cache's reference: a request still holding the model finishes with it, and the
memory goes when the last reference does.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelLoading, ModelNotLoaded

CACHE_SIZE_ENV = "MODEL_CACHE_SIZE"
CACHE_BYTES_ENV = "MODEL_CACHE_MAX_MB"
DEFAULT_MAX_MODELS = 4


@dataclass(frozen=True)
class FileStamp:
    path: str  # resolved
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class WeightsKey:
    """Identity of a loaded model: its files as they are on disk now, and the options it was loaded with."""

    files: tuple[FileStamp, ...]
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)

    @property
    def file_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def label(self) -> str:
        names = "+".join(Path(f.path).name for f in self.files)
        opts = ",".join(f"{k}={v}" for k, v in self.options)
        return f"{names}[{opts}]" if opts else names


def weights_key(*paths: str | os.PathLike, **options) -> WeightsKey:
    """The key for model files as they are now. Raises FileNotFoundError for a missing file. Option values
    must be hashable (strings, numbers, tuples)."""
    files = []
    for path in paths:
        resolved = Path(path).expanduser().resolve()
        stat = resolved.stat()
        files.append(FileStamp(str(resolved), stat.st_size, stat.st_mtime_ns))
    return WeightsKey(tuple(files), tuple(sorted((k, v) for k, v in options.items())))


class _Entry:
    __slots__ = ("hits", "load_seconds", "loaded_at", "model", "size")

    def __init__(self, model, size: int, load_seconds: float):
        self.model, self.size, self.load_seconds = model, size, load_seconds
        self.loaded_at, self.hits = time.time(), 0


class ModelCache:
    """See the module docstring. `max_models` >= 1; `max_bytes` None for no byte bound."""

    def __init__(self, max_models: int = DEFAULT_MAX_MODELS, *, max_bytes: int | None = None, name: str = "models"):
        if max_models < 1:
            raise ValueError("max_models must be at least 1")
        self.max_models, self.max_bytes, self.name = int(max_models), max_bytes, name
        self._lock = threading.Lock()
        self._entries: OrderedDict[WeightsKey, _Entry] = OrderedDict()
        self._loading: dict[WeightsKey, Future] = {}
        self._discard: set[WeightsKey] = set()  # evicted while loading: hand the result out, do not keep it
        self._loader: ThreadPoolExecutor | None = None
        self._counts = {"hits": 0, "misses": 0, "loads": 0, "load_failures": 0, "evictions": 0, "replaced": 0,
                        "waits": 0, "wait_timeouts": 0}

    # ------------------------------------------------------------ reading
    def peek(self, key: WeightsKey):
        """The loaded model or None; never loads, never waits, does not count as a use."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.model if entry else None

    def __contains__(self, key: WeightsKey) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: WeightsKey, factory: Callable[[], Any] | None = None, *, timeout: float | None = 30.0):
        """The model for `key`, for a caller that must not load it itself (a web request).

        Loaded: returned at once. Being loaded (a warm or another caller's `load`): waits up to `timeout`
        seconds (None: for good). Absent: with a `factory`, starts a background warm and waits the same way;
        without one, raises ModelNotLoaded. Raises ModelLoading when the wait runs out (the load goes on), or
        whatever the factory raised.
        """
        with self._lock:
            model = self._hit(key)
            if model is not None:
                return model
            future = self._loading.get(key)
            if future is None:
                if factory is None:
                    raise ModelNotLoaded(f"{key.label()} is not loaded", model=key.label())
                future = self._submit(key, factory)
            self._counts["waits"] += 1
        return self._wait(key, future, timeout)

    def load(self, key: WeightsKey, factory: Callable[[], Any]):
        """The model for `key`, loading it in this thread if nobody is (a worker task, a script). Concurrent
        callers for the same key wait for the one load."""
        with self._lock:
            model = self._hit(key)
            if model is not None:
                return model
            future = self._loading.get(key)
            mine = future is None
            if mine:
                future = self._loading[key] = Future()
                future.set_running_or_notify_cancel()
            else:
                self._counts["waits"] += 1
        if mine:
            self._run(key, factory, future)
        return future.result()

    def warm(self, key: WeightsKey, factory: Callable[[], Any]) -> Future:
        """Load `key` on the loader thread unless it is loaded or loading. The Future gives the model (or the
        load's exception); it is already done when the model was loaded."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                done: Future = Future()
                done.set_result(entry.model)
                return done
            return self._loading.get(key) or self._submit(key, factory)

    # ------------------------------------------------------------ removing
    def evict(self, key: WeightsKey) -> bool:
        """Drop one key (a deleted deployment); a load of it under way is not kept. True if it was loaded."""
        with self._lock:
            if key in self._loading:
                self._discard.add(key)
            return self._drop(key)

    def evict_path(self, path: str | os.PathLike) -> int:
        """Drop every entry that holds this file, whatever its stamp or options. Returns how many."""
        target = str(Path(path).expanduser().resolve())
        with self._lock:
            self._discard.update(k for k in self._loading if target in k.paths)
            keys = [k for k in self._entries if target in k.paths]
            for k in keys:
                self._drop(k)
            return len(keys)

    def clear(self) -> None:
        with self._lock:
            for key in list(self._entries):
                self._drop(key)

    def stats(self) -> dict:
        """Counters since start, the bound, and per loaded model: key label, size estimate, hits, load time."""
        with self._lock:
            return {
                "name": self.name, "max_models": self.max_models, "max_bytes": self.max_bytes,
                "models": len(self._entries), "bytes": sum(e.size for e in self._entries.values()),
                "loading": [k.label() for k in self._loading], **self._counts,
                "entries": [{"key": k.label(), "bytes": e.size, "hits": e.hits, "load_seconds": round(e.load_seconds, 3),
                             "loaded_at": e.loaded_at} for k, e in self._entries.items()],
            }

    def shutdown(self) -> None:
        """Stop the loader thread after the loads it has (tests, process exit)."""
        with self._lock:
            loader, self._loader = self._loader, None
        if loader is not None:
            loader.shutdown(wait=True)

    # ------------------------------------------------------------ internals (the lock is held where noted)
    def _hit(self, key: WeightsKey):
        """Lock held."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        entry.hits += 1
        self._counts["hits"] += 1
        return entry.model

    def _submit(self, key: WeightsKey, factory: Callable[[], Any]) -> Future:
        """Lock held. One loader thread: loads are memory-heavy, and two at once could both fit alone but
        not together."""
        if self._loader is None:
            self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}-loader")
        future: Future = Future()
        self._loading[key] = future

        def job():
            if future.set_running_or_notify_cancel():
                self._run(key, factory, future)

        self._loader.submit(job)
        return future

    def _run(self, key: WeightsKey, factory: Callable[[], Any], future: Future) -> None:
        started = time.perf_counter()
        try:
            model = factory()
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter, who re-raises it
            with self._lock:
                self._counts["load_failures"] += 1
                self._loading.pop(key, None)
                self._discard.discard(key)
            future.set_exception(exc)
            return
        seconds = time.perf_counter() - started
        with self._lock:
            self._counts["misses"] += 1
            self._counts["loads"] += 1
            self._loading.pop(key, None)
            if key in self._discard:
                self._discard.discard(key)
                future.set_result(model)
                return
            for old in [k for k in self._entries if k.paths & key.paths and k.files != key.files]:
                self._drop(old)  # the same file, replaced on disk since
                self._counts["replaced"] += 1
            size = int(getattr(model, "memory_bytes", 0) or key.file_bytes)
            self._entries[key] = _Entry(model, size, seconds)
            self._entries.move_to_end(key)
            self._shrink(keep=key)
        future.set_result(model)

    def _shrink(self, keep: WeightsKey) -> None:
        """Lock held. Least recently used first, never `keep`."""
        def over() -> bool:
            if len(self._entries) > self.max_models:
                return True
            return self.max_bytes is not None and sum(e.size for e in self._entries.values()) > self.max_bytes

        for key in list(self._entries):
            if not over():
                break
            if key != keep:
                self._drop(key)

    def _drop(self, key: WeightsKey) -> bool:
        """Lock held."""
        if self._entries.pop(key, None) is None:
            return False
        self._counts["evictions"] += 1
        return True

    def _wait(self, key: WeightsKey, future: Future, timeout: float | None):
        from concurrent.futures import TimeoutError as FutureTimeout

        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            with self._lock:
                self._counts["wait_timeouts"] += 1
            raise ModelLoading(f"{key.label()} is still loading; try again in a few seconds",
                               model=key.label(), retry_after=max(1, int(timeout or 1))) from None


_default: ModelCache | None = None
_default_lock = threading.Lock()


def default_cache() -> ModelCache:
    """The process-wide cache: MODEL_CACHE_SIZE models (default 4), MODEL_CACHE_MAX_MB megabytes if set."""
    global _default
    with _default_lock:
        if _default is None:
            size = os.environ.get(CACHE_SIZE_ENV, "").strip()
            max_mb = os.environ.get(CACHE_BYTES_ENV, "").strip()
            _default = ModelCache(int(size) if size.isdigit() and int(size) > 0 else DEFAULT_MAX_MODELS,
                                  max_bytes=int(max_mb) << 20 if max_mb.isdigit() else None)
        return _default
