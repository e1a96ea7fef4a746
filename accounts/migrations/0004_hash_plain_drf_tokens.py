"""Existing plain-text DRF tokens (table `authtoken_token`, from before hashed tokens) become hashed API tokens.

Each keeps working with the same `Authorization: Token <key>` header, now stored as its SHA-512 digest (what
django-rest-knox compares), named "migrated", expiring 90 days after the migration; the plain-text rows are
deleted. An install that never had DRF tokens has no such table and nothing happens.
"""
import hashlib
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

MIGRATED_DAYS = 90
OLD_TABLE = "authtoken_token"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    table = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id, created FROM {table}")
        rows = cursor.fetchall()
    expiry = timezone.now() + timedelta(days=MIGRATED_DAYS)
    for key, user_id, created in rows:
        digest = hashlib.sha512(key.encode()).hexdigest()  # knox's hash_token with its default SHA-512
        if not ApiToken.objects.filter(digest=digest).exists():
            token = ApiToken.objects.create(digest=digest, token_key=key[:15], user_id=user_id, expiry=expiry,
                                            name="migrated")
            if created is not None:
                ApiToken.objects.filter(pk=token.pk).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_tokens")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
