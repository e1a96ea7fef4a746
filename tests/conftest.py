"""Shared fixtures: users and API clients, generated images, a real Celery worker, headless Chromium."""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image as PILImage

REPO = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO / "tests" / "data"  # small real datasets kept in the repo (tests/data/README.md)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# ---------------------------------------------------------------- media and users
@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: log-in throttle counters (accounts.throttles) never carry over."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRAINING_WORK_DIR = tmp_path / "work" / "training"
    settings.DEPLOY_WORK_DIR = tmp_path / "work" / "deploy"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username="alice", password="s3cret-pass-1"):
        return get_user_model().objects.create_user(username=username, password=password)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


def _client_for(user):
    from rest_framework.test import APIClient

    from accounts.tokens import token_create

    client = APIClient()
    _, secret = token_create(user=user, name="tests", days=1)
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def api(user):
    return _client_for(user)


@pytest.fixture
def other_api(other_user):
    return _client_for(other_user)


# ---------------------------------------------------------------- images
def jpeg_bytes(width=64, height=48, color=(200, 30, 30), quality=85, seed: int | None = None) -> bytes:
    im = PILImage.new("RGB", (width, height), color)
    if seed is not None:  # distinct content, so sha256 dedup does not merge test images
        im.putpixel((seed % width, (seed // width) % height), (seed % 256, 7, 9))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture
def jpeg():
    return jpeg_bytes


def upload(client, dataset_id, files: list[tuple[str, bytes]]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"files": [SimpleUploadedFile(name, data) for name, data in files]}
    return client.post(f"/api/v1/datasets/{dataset_id}/images/", payload, format="multipart")


@pytest.fixture
def dataset(api):
    return api.post("/api/v1/datasets/", {"name": "people"}, format="json").json()


# ---------------------------------------------------------------- a team workspace
@pytest.fixture
def team(api, make_user):
    """Alice's team workspace with a dataset, one labelled image, and bob (labeller), carol (viewer),
    tina (trainer) joined through invite links; mallory belongs to none of it."""
    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    ds = api.post(f"/api/v1/datasets/?workspace={ws['id']}", {"name": "shared"}, format="json").json()
    image = upload(api, ds["id"], [("a.jpg", jpeg_bytes(seed=3))]).json()["created"][0]
    cls = api.post(f"/api/v1/datasets/{ds['id']}/classes/", {"name": "p", "keypoints": [{"name": "a"}]},
                   format="json").json()
    clients = {"alice": api}
    for name, role in (("bob", "labeller"), ("carol", "viewer"), ("tina", "trainer")):
        invite = api.post(f"/api/v1/workspaces/{ws['id']}/invitations/", {"role": role}, format="json").json()
        assert invite["url"].endswith(f"/accounts/invite/{invite['key']}/")
        clients[name] = _client_for(make_user(name))
        joined = clients[name].post("/api/v1/invitations/accept/", {"key": invite["key"]}, format="json")
        assert joined.status_code == 200 and joined.json()["role"] == role
    clients["mallory"] = _client_for(make_user("mallory"))
    return {"ws": ws, "dataset": ds, "image": image, "class": cls, "c": clients}


def _annotate(client, image_id, class_id):
    version = client.get(f"/api/v1/images/{image_id}/annotations/").json()["version"]
    return client.put(f"/api/v1/images/{image_id}/annotations/", {
        "version": version, "instances": [{"class": class_id, "bbox": [1, 1, 10, 10], "keypoints": [[2, 2, 2]]}]},
        format="json")


# ---------------------------------------------------------------- broker hygiene
@pytest.fixture(autouse=True)
def empty_queues_after(request):
    """A test whose transactions commit (transactional_db, live_server, a worker) may send tasks that no
    worker takes, or leave the task of a worker it killed: drop them, so no later worker ever runs them.
    pytest_sessionfinish then checks the run's broker space is empty."""
    yield
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        from . import broker_check

        broker_check.purge()


# ---------------------------------------------------------------- celery worker
def worker_env(extra: dict | None = None) -> dict:
    """Environment for a worker process that sees the test database and media."""
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "") + "@" if db.get("USER") else ""
        env["DATABASE_URL"] = f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["TRAINING_WORK_DIR"] = str(settings.TRAINING_WORK_DIR)
    env["DEPLOY_WORK_DIR"] = str(settings.DEPLOY_WORK_DIR)
    env["BROKER_DIR"] = str(settings.BROKER_DIR)
    env["BROKER_KEY_PREFIX"] = settings.BROKER_KEY_PREFIX  # the run's own Redis keys (config/settings.py)
    # The worker's requeue sweep (config/requeue.py) leaves a test's queued rows alone (some are made old on
    # purpose); tests/test_fault_redis_restart.py turns it on with its own values.
    env["QUEUE_REQUEUE_AFTER_S"] = str(10 * 24 * 3600)
    env.update(extra or {})
    return env


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """Start a real `celery worker` process on all queues; yields a function to wait for a condition."""
    from config.celery import app, ensure_broker_dirs

    ensure_broker_dirs()
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,gpu,inference",
         "-c", "1", "--pool", "solo", "-n", f"test{os.getpid()}@%h", "-l", "info"],
        cwd=REPO, env=worker_env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def wait_for(predicate, timeout=120, interval=0.2):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return True
            if proc.poll() is not None:
                raise AssertionError(f"worker exited {proc.returncode}:\n{log.read_text()[-4000:]}")
            time.sleep(interval)
        raise AssertionError(f"condition not met in {timeout}s; worker log:\n{log.read_text()[-4000:]}")

    wait_for.proc = proc
    wait_for.log = log
    wait_for.app = app
    yield wait_for
    if proc.poll() is None:  # a test may have killed it on purpose
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------- browser
@pytest.fixture
def screenshot_dir(tmp_path):
    """Where browser tests save screenshots: a temporary folder, or $SCREENSHOT_DIR (`make docs`: docs/).

    Tests never rewrite tracked files on their own."""
    target = Path(os.environ["SCREENSHOT_DIR"]).resolve() if os.environ.get("SCREENSHOT_DIR") else tmp_path / "shots"
    target.mkdir(parents=True, exist_ok=True)
    return target



@pytest.fixture(scope="session")
def chromium_context_factory(tmp_path_factory):
    """Launch Debian's Chromium through Playwright; each call gives a fresh persistent context."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on the main thread for the rest of the session;
    # Django would then refuse the ORM calls every later test makes from that same thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    pw = sync_playwright().start()
    contexts = []

    def make(viewport=(1280, 960), bypass_csp=True):
        # The server sends a strict Content-Security-Policy (config.security); Playwright's wait_for_function
        # evaluates its predicate with eval(), which that policy forbids, so ordinary browser tests bypass it.
        # tests/test_pages_csp_browser.py opens every page with bypass_csp=False.
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            viewport={"width": viewport[0], "height": viewport[1]},
            device_scale_factor=1,
            bypass_csp=bypass_csp,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        ctx.set_default_timeout(30000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        try:
            ctx.close()
        except Exception:
            pass
    pw.stop()


@pytest.fixture
def browser_page(live_server, user, chromium_context_factory):
    """A logged-in page on the live server; page errors and console errors fail the test."""
    ctx = chromium_context_factory()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "s3cret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.errors = errors
    page.base = live_server.url
    yield page
    ctx.close()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if it left a message in its broker space (a later worker would run it), then remove the
    space: the run's Redis keys, or its broker folder."""
    from django.conf import settings

    from . import broker_check

    try:
        left = broker_check.leftovers()
    except Exception as exc:  # the broker itself is gone: say so, do not hide the run's own result
        left, error = {}, exc
    else:
        error = None
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "messages left in the broker by this test run (a later worker would run them): " + ", ".join(
            f"{key}: {n}" for key, n in sorted(left.items()))
        if reporter:
            reporter.write_line(text, red=True)
        else:
            print(text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif error is not None:
        print(f"could not check the broker for leftover messages: {error}")
    try:
        broker_check.purge(everything=True)
    except Exception:
        pass
    if "broker-test-" in str(getattr(settings, "BROKER_DIR", "")):
        shutil.rmtree(settings.BROKER_DIR, ignore_errors=True)
