"""Production settings: `manage.py check --deploy` is clean with the settings docs/operations.md documents (read
from its env block); the built-in development SECRET_KEY stops the server when DEBUG is off; without SECRET_KEY
one key is generated once into a file and shared by processes that start together; security headers on every
answer."""
from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from config.secret_key import DEV_SECRET_KEY, InsecureSecretKey, secret_key

REPO = Path(__file__).resolve().parent.parent
OPERATIONS = REPO / "docs" / "operations.md"


def documented_production_env() -> dict[str, str]:
    block = re.search(r"```env\n(.*?)```", OPERATIONS.read_text(), re.DOTALL).group(1)
    values = dict(line.split("=", 1) for line in block.strip().splitlines())
    assert values["DEBUG"] == "false" and values["SECRET_KEY"].startswith("<")
    values["SECRET_KEY"] = secrets.token_urlsafe(50)  # the documented placeholder, filled as it says
    return values


def manage(args, env_extra: dict[str, str]):
    # A clean start: nothing of this test run (the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy
    # check rightly refuses) and none of the settings under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("SECRET_KEY", "DEBUG")
           and k not in documented_production_env()}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def test_check_deploy_is_clean_with_the_documented_production_settings():
    done = manage(["check", "--deploy", "--fail-level", "WARNING"], documented_production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_warns_without_them():
    done = manage(["check", "--deploy", "--fail-level", "WARNING"], {"DEBUG": "false"})
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W012" in done.stderr  # HSTS, session cookie


def test_the_built_in_development_key_is_refused_when_debug_is_off():
    done = manage(["check"], {"DEBUG": "false", "SECRET_KEY": DEV_SECRET_KEY})
    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is Posedeck's built-in development key while DEBUG is off" in done.stderr
    assert manage(["check"], {"DEBUG": "true", "SECRET_KEY": DEV_SECRET_KEY}).returncode == 0


def test_without_secret_key_one_is_generated_once_and_kept(tmp_path):
    path = tmp_path / "var" / "secret_key"
    first = secret_key(from_env="", debug=False, path=path)
    assert len(first) >= 50 and first != DEV_SECRET_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(from_env="", debug=False, path=path) == first
    assert secret_key(from_env="given-" + "x" * 60, debug=False, path=path) == "given-" + "x" * 60
    assert secret_key(from_env="", debug=True, path=tmp_path / "unused") == DEV_SECRET_KEY
    path.write_text("short\n")
    with pytest.raises(InsecureSecretKey):
        secret_key(from_env="", debug=False, path=path)


def _key_in(path: str) -> str:
    return secret_key(from_env="", debug=False, path=Path(path))


def test_processes_starting_together_share_one_generated_key(tmp_path):
    path = str(tmp_path / "secret_key")
    with ProcessPoolExecutor(6) as pool:
        keys = set(pool.map(_key_in, [path] * 24))
    assert len(keys) == 1 and keys == {Path(path).read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


@pytest.mark.django_db
def test_every_answer_carries_the_security_headers(client, api):
    for response in (client.get("/accounts/login/"), api.get("/api/v1/datasets/"), client.get("/api/v1/nothing/"),
                     client.get("/api/docs/")):
        assert response["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self'; style-src 'self'")
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
