"""The model cache: LRU bound, weights-file identity, single-flight loading, background warm, evict, stats.

Real threads and real files; the "models" are plain objects whose factories count their calls and can be
held back with events, so each race is forced instead of hoped for.
"""
from __future__ import annotations

import os
import threading
import time

import pytest

from deploy.engines.cache import ModelCache, default_cache, weights_key
from deploy.engines.errors import ModelLoading, ModelNotLoaded


class Model:
    def __init__(self, name: str, memory_bytes: int = 0):
        self.name, self.memory_bytes = name, memory_bytes


class Factory:
    """Counts its calls; `gate` (an Event) makes each call wait until the test opens it."""

    def __init__(self, name: str, *, gate: threading.Event | None = None, fail: Exception | None = None,
                 memory_bytes: int = 0):
        self.name, self.gate, self.fail, self.memory_bytes = name, gate, fail, memory_bytes
        self.calls, self.started = 0, threading.Event()
        self.threads: list[str] = []

    def __call__(self):
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if self.fail is not None:
            raise self.fail
        return Model(self.name, self.memory_bytes)


def weights(tmp_path, name: str, content: bytes = b"weights") -> os.PathLike:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture
def cache():
    made = ModelCache(max_models=2, name="test")
    yield made
    made.shutdown()


def test_the_least_recently_used_model_goes_first(cache, tmp_path):
    a, b, c = (weights_key(weights(tmp_path, f"{n}.pt"), engine="onnx") for n in "abc")
    cache.load(a, Factory("a"))
    cache.load(b, Factory("b"))
    assert cache.load(a, Factory("never")).name == "a"  # a hit, and now the most recent
    cache.load(c, Factory("c"))
    assert a in cache and c in cache and b not in cache
    stats = cache.stats()
    assert (stats["models"], stats["hits"], stats["loads"], stats["evictions"]) == (2, 1, 3, 1)


def test_the_byte_bound_evicts_but_keeps_the_model_just_loaded(tmp_path):
    cache = ModelCache(max_models=10, max_bytes=100)
    a, b, c = (weights_key(weights(tmp_path, f"{n}.pt")) for n in "abc")
    cache.load(a, Factory("a", memory_bytes=60))
    cache.load(b, Factory("b", memory_bytes=30))
    cache.load(c, Factory("c", memory_bytes=500))  # alone over the bound: everything else goes, it stays
    assert len(cache) == 1 and c in cache
    # Without a memory_bytes attribute the weight files' size counts.
    d = weights_key(weights(tmp_path, "d.pt", b"x" * 40))
    cache.load(d, lambda: object())
    assert cache.stats()["entries"][-1]["bytes"] == 40


def test_the_same_file_with_other_options_is_another_model(cache, tmp_path):
    path = weights(tmp_path, "best.pt")
    onnx, torch_key = weights_key(path, engine="onnx"), weights_key(path, engine="torch")
    assert onnx != torch_key and weights_key(path, engine="onnx") == onnx
    assert cache.load(onnx, Factory("onnx")).name == "onnx"
    assert cache.load(torch_key, Factory("torch")).name == "torch"
    assert len(cache) == 2


def test_replaced_weights_evict_the_old_model(cache, tmp_path):
    path = weights(tmp_path, "best.pt", b"version one")
    old = weights_key(path, engine="onnx")
    cache.load(old, Factory("v1"))
    path.write_bytes(b"version two, longer")  # redeployed: new size (and mtime)
    new = weights_key(path, engine="onnx")
    assert new != old
    assert cache.load(new, Factory("v2")).name == "v2"
    assert old not in cache and len(cache) == 1 and cache.stats()["replaced"] == 1
    # Same size, rewritten: the mtime alone tells them apart.
    stamp = os.stat(path).st_mtime_ns
    path.write_bytes(b"version 3, longer!!")
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))
    assert cache.load(weights_key(path, engine="onnx"), Factory("v3")).name == "v3"


def test_concurrent_callers_share_one_load(cache, tmp_path):
    key = weights_key(weights(tmp_path, "best.pt"))
    gate = threading.Event()
    factory = Factory("slow", gate=gate)
    results, errors = [], []

    def call():
        try:
            results.append(cache.load(key, factory))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert factory.started.wait(5)
    time.sleep(0.2)  # let the other seven arrive and wait on the one load
    gate.set()
    for thread in threads:
        thread.join(10)
    assert not errors and factory.calls == 1
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_a_failed_load_reaches_every_waiter_and_is_not_cached(cache, tmp_path):
    key = weights_key(weights(tmp_path, "broken.pt"))
    gate = threading.Event()
    factory = Factory("broken", gate=gate, fail=RuntimeError("not a checkpoint"))
    seen = []

    def call():
        try:
            cache.load(key, factory)
        except RuntimeError as exc:
            seen.append(str(exc))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    assert factory.started.wait(5)
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert seen == ["not a checkpoint"] * 3 and factory.calls == 1
    assert key not in cache and cache.stats()["load_failures"] == 1
    assert cache.load(key, Factory("fixed")).name == "fixed"  # the next call tries again


def test_warm_loads_on_the_loader_thread_and_a_request_waits_for_it(cache, tmp_path):
    key = weights_key(weights(tmp_path, "best.pt"))
    gate = threading.Event()
    factory = Factory("warm", gate=gate)
    future = cache.warm(key, factory)
    assert factory.started.wait(5)
    assert factory.threads == ["test-loader_0"]  # not the caller's thread
    assert cache.warm(key, Factory("second")) is future  # joins the load under way
    # A request that must not load: it waits for the warm, up to its timeout, then answers 503.
    with pytest.raises(ModelLoading) as caught:
        cache.get(key, timeout=0.1)
    assert caught.value.status == 503 and caught.value.code == "model_loading"
    gate.set()
    model = cache.get(key, timeout=5)
    assert model.name == "warm" and future.result(5) is model and factory.calls == 1
    assert cache.warm(key, Factory("third")).result(0) is model  # loaded: a done future
    assert cache.stats()["wait_timeouts"] == 1


def test_get_starts_a_background_load_and_never_loads_on_the_request_thread(cache, tmp_path):
    key = weights_key(weights(tmp_path, "best.pt"))
    factory = Factory("background")
    assert cache.get(key, factory, timeout=5).name == "background"
    assert factory.threads and factory.threads[0].startswith("test-loader")
    other = weights_key(weights(tmp_path, "other.pt"))
    with pytest.raises(ModelNotLoaded):
        cache.get(other)  # no factory, nothing loading


def test_evict_frees_a_deleted_deployment_even_while_it_loads(cache, tmp_path):
    path = weights(tmp_path, "best.pt")
    key = weights_key(path, engine="onnx")
    cache.load(key, Factory("loaded"))
    assert cache.evict(key) is True and key not in cache and cache.evict(key) is False
    # Evicted during a warm: the warm's waiters get the model, the cache does not keep it.
    gate = threading.Event()
    future = cache.warm(key, Factory("late", gate=gate))
    cache.evict(key)
    gate.set()
    assert future.result(5).name == "late"
    assert key not in cache
    # Every option of one file at once.
    cache.load(weights_key(path, engine="onnx"), Factory("a"))
    cache.load(weights_key(path, engine="torch"), Factory("b"))
    assert cache.evict_path(path) == 2 and len(cache) == 0


def test_concurrent_gets_of_many_models_stay_within_the_bound(tmp_path):
    cache = ModelCache(max_models=3, name="busy")
    keys = [weights_key(weights(tmp_path, f"m{i}.pt")) for i in range(6)]
    loads = {i: Factory(f"m{i}") for i in range(6)}
    errors = []

    def client(n: int):
        try:
            for round_ in range(20):
                i = (n + round_) % 6
                assert cache.load(keys[i], loads[i]).name == f"m{i}"
                assert len(cache) <= 3
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    cache.shutdown()
    assert not errors and len(cache) <= 3
    stats = cache.stats()
    assert stats["hits"] + stats["loads"] + stats["waits"] >= 8 * 20


def test_the_process_wide_cache_reads_its_size_from_the_environment(monkeypatch):
    import deploy.engines.cache as module

    monkeypatch.setattr(module, "_default", None)
    monkeypatch.setenv("MODEL_CACHE_SIZE", "7")
    monkeypatch.setenv("MODEL_CACHE_MAX_MB", "64")
    made = default_cache()
    assert (made.max_models, made.max_bytes) == (7, 64 << 20) and default_cache() is made
    monkeypatch.setattr(module, "_default", None)


def test_a_missing_weights_file_has_no_key(tmp_path):
    with pytest.raises(FileNotFoundError):
        weights_key(tmp_path / "gone.pt")
