"""Drop `knox_authtoken`: django-rest-knox's own token table, unused since KNOX_TOKEN_MODEL is accounts.ApiToken.

knox's migrations (now disabled by MIGRATION_MODULES) created it on earlier installs; it holds no rows we
wrote, and its foreign key to auth_user stops PostgreSQL from truncating users.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if "knox_authtoken" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name('knox_authtoken')}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_hash_plain_drf_tokens")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
