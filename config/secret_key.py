"""Where Django's SECRET_KEY comes from (read by config.settings).

- `SECRET_KEY` in the environment wins; the built-in development key is refused there when DEBUG is off
  (it is public: anyone could forge sessions and password-reset links with it);
- else with DEBUG on: the built-in development key;
- else (DEBUG off, the default, e.g. `make run`): the key in `var/secret_key`, made once (50 random
  URL-safe characters, mode 0600) on the first start. Several processes start together under `make run`
  (server and two workers): the file is written beside and linked into place, so all of them read one key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

DEV_SECRET_KEY = "posedeck-dev-key-change-me-in-production-0123456789"


class InsecureSecretKey(RuntimeError):
    """The built-in development key was given while DEBUG is off."""


def secret_key(*, from_env: str, debug: bool, path: Path) -> str:
    """The key to use; raises InsecureSecretKey for the development key without DEBUG."""
    if from_env:
        if from_env == DEV_SECRET_KEY and not debug:
            raise InsecureSecretKey(
                "SECRET_KEY is Posedeck's built-in development key while DEBUG is off. Set SECRET_KEY to a long "
                "random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or unset it to use "
                f"the key generated in {path}.")
        return from_env
    if debug:
        return DEV_SECRET_KEY
    return _stored_key(path)


def _stored_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(tmp, path)  # atomic, and fails if another process won the race: then use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if len(key) < 50:
        raise InsecureSecretKey(f"{path} holds a key shorter than 50 characters; delete it to make a new one")
    return key
