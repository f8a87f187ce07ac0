"""On PostgreSQL, compare organisation paths byte by byte ("C" collation).

Subtree queries take the range [path, path + '~'), which relies on '~' sorting after every path
character. Under a language-aware collation (a database created with en_US or zh_CN) that no
longer holds and descendants would silently drop out of subtree grants. SQLite compares bytes
already.
"""

from django.db import migrations

COLUMNS = [("orgs_organisation", "path")]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "C"')


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, column in COLUMNS:
            schema_editor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_register_departments_terms_transfers_imports")]
    operations = [migrations.RunPython(up, down)]
