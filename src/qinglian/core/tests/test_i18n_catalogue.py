"""The Chinese catalogue is complete and compiled.

`test_catalogue_is_complete` fails whenever a string is added to code or templates without a
translation. To fix it, from src/qinglian (gettext needed):

    django-admin makemessages -l zh_Hans --add-location=file --ignore='static/*' --settings=qinglian.settings
    # translate the new msgstr "" entries and drop any "#, fuzzy" flags in locale/zh_Hans/LC_MESSAGES/django.po
    django-admin compilemessages --settings=qinglian.settings

and commit django.po and django.mo together.
"""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from qinglian.core.management.commands.i18n_check import default_catalogues, parse_po

HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
)


def zh_catalogue() -> Path:
    (path,) = [p for p in default_catalogues() if p.parent.parent.name == "zh_Hans"]
    return path


def test_catalogue_is_complete():
    call_command("i18n_check")


def test_chinese_is_served_and_english_is_the_source():
    with translation.override("zh-hans"):
        assert translation.gettext("Organisations") == "组织"
        assert translation.gettext("Qinglian") == "清廉"
    with translation.override("en"):
        assert translation.gettext("Organisations") == "Organisations"


def test_parser_reads_multiline_and_escaped_entries():
    entries = {e.msgid: e for e in parse_po(zh_catalogue())}
    email = next(e for msgid, e in entries.items() if msgid.startswith("Hello %(name)s,\n\n"))
    assert "python-format" in email.flags
    assert email.msgstr[0].startswith("%(name)s，")
    assert "%(username)s" in email.msgstr[0]


def write(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_untranslated_fuzzy_and_uncompiled_entries_fail(tmp_path):
    po = write(
        tmp_path / "django.po",
        'msgid "Save"\nmsgstr ""\n\n#, fuzzy\nmsgid "Close"\nmsgstr "关闭"\n\nmsgid "Next"\nmsgstr "下一页"\n',
    )
    with pytest.raises(CommandError) as caught:
        call_command("i18n_check", str(po))
    message = str(caught.value)
    assert "untranslated: line" in message and "'Save'" in message
    assert "fuzzy: line" in message and "'Close'" in message
    assert "'Next'" not in message
    assert "django.mo is missing" in message


def test_placeholders_must_survive_translation(tmp_path):
    po = write(
        tmp_path / "django.po",
        '#, python-brace-format\nmsgid "{n} events exported."\nmsgstr "已导出 {m} 条事件。"\n\n'
        '#, python-format\nmsgid "Hello, %(name)s"\nmsgstr "您好"\n',
    )
    with pytest.raises(CommandError) as caught:
        call_command("i18n_check", str(po))
    assert str(caught.value).count("placeholders differ") == 2


def test_a_mo_that_lags_the_po_fails(tmp_path):
    source = zh_catalogue()
    po = tmp_path / "django.po"
    shutil.copy(source.with_suffix(".mo"), tmp_path / "django.mo")
    text = source.read_text(encoding="utf-8")
    assert 'msgstr "组织"' in text
    po.write_text(text.replace('msgstr "组织"', 'msgstr "组织机构"', 1), encoding="utf-8")
    with pytest.raises(CommandError, match=r"does not match the \.po"):
        call_command("i18n_check", str(po))
    shutil.copy(source, po)
    call_command("i18n_check", str(po))
