import io

from django.core.management import call_command

from qinglian.core import crypto
from qinglian.core.models import AuditEvent
from qinglian.orgs.models import Member
from qinglian.orgs.services import member_set_id_number

NUMBER = "11010519491231002X"


def test_after_switching_suites_the_rekey_command_makes_numbers_findable_again(cast, settings):
    member = cast.members["a2"]
    member_set_id_number(member=member, number=NUMBER, actor=cast.organiser)
    settings.CRYPTO_SUITE = "gm"
    assert not Member.objects.filter(id_number_index=crypto.blind_index(NUMBER)).exists()

    call_command("members_rekey", stdout=io.StringIO())

    member.refresh_from_db()
    assert member.id_number_cipher.startswith("gm:")
    assert crypto.decrypt(member.id_number_cipher) == NUMBER
    assert Member.objects.filter(id_number_index=crypto.blind_index(NUMBER)).get() == member
    assert AuditEvent.objects.filter(action="member.rekey").exists()
