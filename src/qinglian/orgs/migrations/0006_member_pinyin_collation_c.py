"""On PostgreSQL, compare members' pinyin byte by byte ("C" collation).

Pinyin is lower-case ASCII, so byte order is the right sort order, and under "C" a search by
prefix (name_pinyin LIKE 'wang%') becomes a range on the pinyin index that the list's ordering
already walks. Under a language-aware collation the planner walked the index from 'a' and threw
away 600,000 rows to find a province's 'wang…' (0.7 s at 1,000,000 members). SQLite compares
bytes already.
"""

from django.db import migrations


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgs_member ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE "C"')


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgs_member ALTER COLUMN name_pinyin TYPE varchar(200) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("orgs", "0005_member_indexes_declared")]
    operations = [migrations.RunPython(up, down)]
