"""An index for the member list and counts over a subtree: (organisation, status, pinyin, id).

A subtree's members are found by walking the organisations in the path range and, for each, its
members in this index. With status in the index the on-register count is an index-only scan (a
province of 30,000 members: ~15 ms instead of ~140 ms for a parallel scan of the whole member
table on PostgreSQL), and with name_pinyin and id the page's ordering columns come from the index
as well. Measured with `python -m bench.register` on `python -m bench.seed --scale province`.

Raw SQL, so that the models' state is unchanged until the index is declared in Member.Meta.indexes
(then this becomes a SeparateDatabaseAndState with AddIndex). On a large live PostgreSQL database,
create it by hand first with CREATE INDEX CONCURRENTLY under the same name: IF NOT EXISTS then skips it.
"""

from django.db import migrations

NAME = "orgs_member_org_status_pinyin"


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_path_collation_c")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON orgs_member (organisation_id, status, name_pinyin, id)",
            f"DROP INDEX IF EXISTS {NAME}",
        ),
    ]
