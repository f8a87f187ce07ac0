"""Declare the member-list index made by 0004 and drop the indexes it makes redundant.

(organisation, status, name_pinyin, id) starts with the organisation, so it serves the foreign key
and the older (organisation, name_pinyin) index too; fewer indexes make bulk imports faster.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orgs", "0004_member_subtree_index")]

    operations = [
        # 0004 made the index in the database already; this only tells the model state about it (first,
        # so that SQLite's table rebuild for the field change below keeps it).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(
                        fields=["organisation", "status", "name_pinyin", "id"], name="orgs_member_org_status_pinyin"
                    ),
                )
            ],
        ),
        migrations.RemoveIndex(model_name="member", name="orgs_member_org_pinyin"),
        migrations.AlterField(
            model_name="member",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="orgs.organisation",
                verbose_name="organisation",
            ),
        ),
    ]
