"""On PostgreSQL, compare the organisation paths kept by rules and audit events byte by byte.

See orgs.0003: subtree ranges [path, path + '~') need the "C" collation.
"""

from django.db import migrations

COLUMNS = [("core_rule", "org_path"), ("core_auditevent", "organisation_path")]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "C"')


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(up, down)]
