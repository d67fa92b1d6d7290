"""Chinese is the default and must be complete; English is the source language, and the few
source strings that carry a Chinese term get a clean English translation."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "yishi" / "locale"
HAN = re.compile(r"[\u4e00-\u9fff]")


def catalog(lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def untranslated(messages):
    for message in messages:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            yield message.id


def test_chinese_catalog_is_complete():
    missing = list(untranslated(catalog("zh_Hans")))
    assert not missing, f"{len(missing)} strings without a Chinese translation: {missing[:10]}"


def test_english_catalog_gives_clean_labels_for_chinese_terms():
    with_chinese = [m for m in catalog("en") if m.id and HAN.search(str(m.id))]
    missing = list(untranslated(with_chinese))
    assert not missing, f"English strings still carrying Chinese: {missing[:10]}"
    for message in with_chinese:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not any(HAN.search(s) for s in strings), message.id


def test_placeholders_survive_translation():
    for message in catalog("zh_Hans"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id


def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    """makemessages on a copy of the code must find nothing new."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is missing in CI")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "yishi", copy / "yishi",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", copy)
    before = {m.id for m in catalog("zh_Hans") if m.id}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy, check=True, capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "yishi.settings", "PYTHONPATH": str(copy),
             "YISHI_VAR_DIR": str(tmp_path / "var")},
    )
    with open(copy / "yishi/locale/zh_Hans/LC_MESSAGES/django.po", "rb") as handle:
        after = {m.id for m in read_po(handle) if m.id}
    new = after - before
    assert not new, f"run makemessages and translate: {sorted(map(str, new))[:10]}"


def test_date_fields_show_their_value_in_iso_form_in_chinese(client, xihu):
    """<input type="date"> takes only 2026-12-07: with Django's zh-hans input format first
    (2026/12/07) the browser dropped the value, so a date field given a value by the page (the
    asset register's "as of" date, a form filled in from a record) came up empty in Chinese."""
    import datetime

    from django import forms
    from django.urls import reverse
    from django.utils import timezone, translation

    from yishi.projects.forms import DateInput, DateTimeInput

    day, moment = datetime.date(2026, 12, 7), datetime.datetime(2026, 12, 7, 9, 30)
    with translation.override("zh-hans"):
        assert 'value="2026-12-07"' in DateInput().render("d", day)
        assert 'value="2026-12-07 09:30"' in DateTimeInput().render("d", moment)
        # What people type or older pages send is still read.
        assert forms.DateField().clean("2026/12/07") == day
        assert forms.DateTimeField().clean("2026-12-07T09:30").replace(tzinfo=None) == moment
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("finance:assets", args=[xihu["xixi"].code])).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
