"""Back up a whole workspace into one zip archive, and restore it (on this or a fresh install) with every id new.

The archive:
    manifest.json              format, version, the exporters that wrote it, row counts, file count and bytes
    users.jsonl                the usernames the records name (and their e-mail and names, for --create-users)
    records/<table>.jsonl      one JSON object per row: its fields, foreign keys as the archive's own ids,
                               people as usernames (ids differ between installs)
    files/<storage name>       every stored file the rows point at (images, thumbnails, weights, ...)

Each app contributes an exporter (`settings.BACKUP_EXPORTERS`, in dependency order: accounts, datasets,
training, then deploy when it has one): an object with `name`, `export(writer, workspace)` and
`restore(reader)`. Exporters write rows through `Writer.rows` and name files with `Writer.file`; on restore
they read rows with `Reader.rows`, record new ids in `Reader.ids[table][old] = new` for the exporters after
them, and copy files with `Reader.copy_file(old_name, new_name)` (the new name comes from the new ids).

Every file goes through the storage API (config.storage), copied in 1 MiB chunks, so memory stays bounded by
a few chunks and the id maps (integers), whatever the size of the images and weights. Rows are read and
written one line at a time. A restore runs in one transaction; if it fails, the files it wrote are deleted.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from contextlib import contextmanager
from datetime import datetime, timezone as dt_timezone
from typing import IO, Iterable, Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from core.errors import InvalidInput

from . import storage

FORMAT = "posedeck-workspace-backup"
VERSION = 1
CHUNK = storage.CHUNK


def exporters() -> list:
    """The configured exporters, instantiated, in order."""
    return [import_string(path)() for path in settings.BACKUP_EXPORTERS]


# ---------------------------------------------------------------- rows
def dump(obj: models.Model, exclude: Iterable[str] = ()) -> dict:
    """A row as JSON-ready values keyed by column name (`dataset_id`, not `dataset`); files as storage names."""
    skip = set(exclude)
    row = {}
    for f in obj._meta.concrete_fields:
        if f.attname in skip or f.name in skip:
            continue
        value = f.value_from_object(obj)
        if isinstance(f, models.FileField):
            value = value.name if value else ""
        row[f.attname] = value
    return row


def build(model: type[models.Model], row: dict, **overrides) -> models.Model:
    """An unsaved instance from a dumped row: the primary key dropped, `overrides` (new ids, names) applied,
    dates parsed, columns the archive lacks left at their defaults."""
    kwargs = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname not in row:
            continue
        value = row[f.attname]
        if isinstance(value, str) and isinstance(f, models.DateTimeField):
            value = parse_datetime(value)
        kwargs[f.attname] = value
    kwargs.update(overrides)
    return model(**kwargs)


@contextmanager
def keeping_timestamps(*model_classes):
    """Restore rows with their own created/updated times: auto_now/auto_now_add are off inside this block
    (restores run in a management command or a test, not beside live requests)."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes keep their microseconds (Django's drops them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _line(row: dict) -> bytes:
    return (json.dumps(row, cls=_Encoder, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# ---------------------------------------------------------------- writing
class Writer:
    """What exporters write through. `rows` streams a table; `file` and `tree` name stored files to include;
    `user` turns a user id into the username the archive keeps."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.counts: dict[str, int] = {}
        self.files: dict[str, None] = {}  # ordered set of storage names
        self._usernames: dict[int, str] = {}

    def rows(self, table: str, rows: Iterable[dict]) -> int:
        n = 0
        with self.zf.open(f"records/{table}.jsonl", "w", force_zip64=True) as fh:
            for row in rows:
                fh.write(_line(row))
                n += 1
        self.counts[table] = n
        return n

    def file(self, name: str | None) -> None:
        if name:
            self.files[name] = None

    def tree(self, prefix: str) -> None:
        """Every stored file under the folder `prefix`."""
        try:
            dirs, names = default_storage.listdir(prefix)
        except (FileNotFoundError, NotADirectoryError):
            return
        for n in names:
            self.file(f"{prefix}/{n}")
        for d in dirs:
            self.tree(f"{prefix}/{d}")

    def user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._usernames:
            self._usernames[user_id] = get_user_model().objects.filter(pk=user_id).values_list(
                get_user_model().USERNAME_FIELD, flat=True).first()
        return self._usernames[user_id]

    def finish(self, manifest: dict) -> dict:
        missing, size = [], 0
        for name in self.files:
            try:
                src = storage.open_read(name)
            except FileNotFoundError:
                missing.append(name)
                continue
            info = zipfile.ZipInfo(f"files/{name}", date_time=datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED  # pictures and weights are compressed already
            with src, self.zf.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            size += info.file_size
        User = get_user_model()
        people = User.objects.filter(pk__in=[pk for pk, name in self._usernames.items() if name])
        self.rows("users", ({"username": u.get_username(), "email": u.email, "first_name": u.first_name,
                             "last_name": u.last_name} for u in people))
        manifest.update(tables=self.counts, files=len(self.files) - len(missing), file_bytes=size,
                        missing_files=missing)
        self.zf.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=1))
        return manifest


def backup_workspace(workspace, out: IO[bytes] | str) -> dict:
    """Write the workspace's archive to `out` (a path or a writable binary file); returns the manifest."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        writer = Writer(zf)
        done = []
        for exporter in exporters():
            exporter.export(writer, workspace)
            done.append(exporter.name)
        return writer.finish({"format": FORMAT, "version": VERSION, "exporters": done,
                              "created_at": datetime.now(dt_timezone.utc), "workspace": workspace.name})


# ---------------------------------------------------------------- reading
class Reader:
    """What exporters restore from. `ids[table][old id] = new id` is shared between exporters."""

    def __init__(self, zf: zipfile.ZipFile, *, owner, name: str | None, create_users: bool):
        self.zf, self.owner, self.name, self.create_users = zf, owner, name, create_users
        self.manifest = json.loads(zf.read("manifest.json"))
        if self.manifest.get("format") != FORMAT:
            raise InvalidInput("not a Posedeck workspace backup (no manifest of that format)", field="archive")
        if int(self.manifest.get("version", 0)) > VERSION:
            raise InvalidInput(f"this backup has format version {self.manifest['version']}; this Posedeck reads "
                               f"up to {VERSION}", field="archive")
        self.ids: dict[str, dict[int, int]] = {}
        self.workspace = None
        self.written: list[str] = []
        self.report: dict = {"tables": {}, "files": 0, "users_missing": [], "users_created": []}
        self._users: dict[str, int | None] = {}
        self._names = set(zf.namelist())

    def rows(self, table: str) -> Iterator[dict]:
        name = f"records/{table}.jsonl"
        if name not in self._names:
            return
        n = 0
        with self.zf.open(name) as fh:
            for line in fh:
                if line.strip():
                    n += 1
                    yield json.loads(line)
        self.report["tables"][table] = n

    def has_file(self, name: str) -> bool:
        return f"files/{name}" in self._names

    def files_under(self, prefix: str) -> list[str]:
        """Storage names in the archive under the folder `prefix` (names with '..' are refused)."""
        start = f"files/{prefix.rstrip('/')}/"
        found = [n[len("files/"):] for n in self._names if n.startswith(start)]
        for n in found:
            if ".." in n.split("/"):
                raise InvalidInput(f"unsafe file name in the archive: {n!r}", field="archive")
        return found

    def copy_file(self, old_name: str, new_name: str) -> str:
        """Store the archive's copy of `old_name` under `new_name` (replacing); returns the stored name, or ""
        when the archive does not hold it (it was missing at backup time)."""
        if not old_name or not self.has_file(old_name):
            return ""
        with self.zf.open(f"files/{old_name}") as src:
            stored = storage.save_replace(new_name, src)
        self.written.append(stored)
        self.report["files"] += 1
        return stored

    def user(self, username: str | None) -> int | None:
        """The local id of the archive's `username`: an existing user, else (with --create-users) a new
        inactive one without a password, else None (the reference is dropped and reported)."""
        if not username:
            return None
        if username not in self._users:
            User = get_user_model()
            pk = User.objects.filter(**{User.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
            if pk is None and self.create_users:
                info = next((u for u in self.rows("users") if u["username"] == username), {})
                user = User(**{User.USERNAME_FIELD: username}, email=info.get("email", ""),
                            first_name=info.get("first_name", ""), last_name=info.get("last_name", ""),
                            is_active=False)
                user.set_unusable_password()
                user.save()
                pk = user.pk
                self.report["users_created"].append(username)
            elif pk is None:
                self.report["users_missing"].append(username)
            self._users[username] = pk
        return self._users[username]


def restore_workspace(archive: IO[bytes] | str, *, owner, name: str | None = None,
                      create_users: bool = False) -> tuple[object, dict]:
    """Restore an archive as a new team workspace with `owner` as admin; returns (workspace, report).

    Raises InvalidInput for an archive that is not a Posedeck backup."""
    with zipfile.ZipFile(archive) as zf:
        reader = Reader(zf, owner=owner, name=name, create_users=create_users)
        known = {e.name: e for e in exporters()}
        unknown = [n for n in reader.manifest.get("exporters", []) if n not in known]
        reader.report["skipped_exporters"] = unknown  # e.g. a backup with deployments, restored without them
        try:
            with transaction.atomic():
                for exporter in known.values():
                    if exporter.name in reader.manifest.get("exporters", []):
                        exporter.restore(reader)
        except BaseException:
            for stored in reader.written:
                storage.delete(stored)
            raise
        return reader.workspace, reader.report
