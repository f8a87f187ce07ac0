"""Settings from the environment: malformed values stop start-up with the variable's name."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from qinglian.core.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    redis_url,
    sqlite_settings,
)

VAR = "QINGLIAN_TEST_VARIABLE"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)

    def _set(value):
        monkeypatch.setenv(VAR, value)

    return _set


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "On"])
def test_env_bool_true(env, raw):
    env(raw)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_false(env, raw):
    env(raw)
    assert env_bool(VAR, True) is False


def test_env_bool_default_when_unset(env):
    assert env_bool(VAR, True) is True
    assert env_bool(VAR, False) is False


@pytest.mark.parametrize("raw", ["2", "maybe", "ture", "y"])
def test_env_bool_malformed_names_the_variable(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_bool(VAR, False)


def test_env_int(env):
    assert env_int(VAR, 7) == 7
    env(" 42 ")
    assert env_int(VAR, 7) == 42
    env("")
    assert env_int(VAR, 7) == 7


@pytest.mark.parametrize("raw", ["abc", "4.5", "10m", "1e3"])
def test_env_int_malformed_names_the_variable(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_int(VAR, 7)


def test_env_int_below_the_minimum_names_the_variable(env):
    env("0")
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}.*minimum of 1"):
        env_int(VAR, 5, minimum=1)
    env("1")
    assert env_int(VAR, 5, minimum=1) == 1


def test_env_list(env):
    assert env_list(VAR, ["default"]) == ["default"]
    env(" a.example.cn, b.example.cn ,,")
    assert env_list(VAR, ["default"]) == ["a.example.cn", "b.example.cn"]
    env("")
    assert env_list(VAR, ["default"]) == []


def test_env_choice(env):
    assert env_choice(VAR, "intl", ("intl", "gm")) == "intl"
    env(" gm ")
    assert env_choice(VAR, "intl", ("intl", "gm")) == "gm"


@pytest.mark.parametrize("raw", ["sm4", "GM", "national"])
def test_env_choice_malformed_names_the_variable_and_the_choices(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}.*intl, gm"):
        env_choice(VAR, "intl", ("intl", "gm"))


def test_redis_url(env):
    env("redis://cache:6379/0")
    assert redis_url(VAR) == "redis://cache:6379/0"
    env("http://cache:6379")
    with pytest.raises(ImproperlyConfigured, match=VAR):
        redis_url(VAR)


def test_the_sqlite_default_uses_wal_and_a_busy_timeout(monkeypatch, tmp_path):
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT", raising=False)
    db = database_from_url("", sqlite_default=tmp_path / "q.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "q.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "foreign_keys=ON" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] == 20
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_the_sqlite_busy_timeout_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT", "45")
    assert sqlite_settings(tmp_path / "q.sqlite3")["OPTIONS"]["timeout"] == 45
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT", "soon")
    with pytest.raises(ImproperlyConfigured, match="SQLITE_BUSY_TIMEOUT"):
        sqlite_settings(tmp_path / "q.sqlite3")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////srv/qinglian/db.sqlite3", "/srv/qinglian/db.sqlite3"),
        ("sqlite:///data/db.sqlite3", "data/db.sqlite3"),
        ("sqlite://", "DEFAULT"),
        ("sqlite:///", "DEFAULT"),
    ],
)
def test_sqlite_urls(tmp_path, url, name):
    db = database_from_url(url, sqlite_default=tmp_path / "q.sqlite3")
    assert db["NAME"] == (str(tmp_path / "q.sqlite3") if name == "DEFAULT" else str(Path(name)))
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_a_postgres_url_is_parsed_into_its_parts(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    db = database_from_url(
        "postgres://qinglian:p%40ss%3Aword@db.example.cn:5433/qinglian_prod?sslmode=require&connect_timeout=5",
        sqlite_default=tmp_path / "q.sqlite3",
    )
    assert {k: db[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "qinglian_prod",
        "USER": "qinglian",
        "PASSWORD": "p@ss:word",
        "HOST": "db.example.cn",
        "PORT": "5433",
    }
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}
    assert db["CONN_MAX_AGE"] == 600


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_a_postgres_url_without_port_or_password(tmp_path, scheme):
    db = database_from_url(f"{scheme}://postgres@127.0.0.1/test", sqlite_default=tmp_path / "q.sqlite3")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == ("test", "postgres", "", "127.0.0.1", "")


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user@host:5432/",  # no database name
        "postgres://user@host:port/db",  # malformed port
        "postgres://user@host:99999/db",  # port out of range
        "mysql://user@host/db",  # not supported
        "db.sqlite3",  # not a URL
    ],
)
def test_a_malformed_database_url_names_the_variable(tmp_path, url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url, sqlite_default=tmp_path / "q.sqlite3")


def test_a_malformed_connection_age_names_its_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "forever")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        database_from_url("postgres://u@h/db", sqlite_default=tmp_path / "q.sqlite3")


@pytest.fixture
def no_secret(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.delenv(f"{VAR}_FILE", raising=False)


def test_env_secret_generates_one_and_keeps_it_for_next_time(no_secret, tmp_path):
    keep = tmp_path / "data" / "secret_key"
    first = env_secret(VAR, keep_in=keep, required=False)
    assert len(first) >= 50
    assert keep.read_text(encoding="utf-8") == first
    assert stat.S_IMODE(keep.stat().st_mode) == 0o600
    assert env_secret(VAR, keep_in=keep, required=False) == first
    assert env_secret(VAR, keep_in=tmp_path / "other", required=False) != first


def test_env_secret_prefers_the_variable_then_its_file(no_secret, monkeypatch, tmp_path):
    keep = tmp_path / "secret_key"
    secret_file = tmp_path / "mounted"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{VAR}_FILE", str(secret_file))
    assert env_secret(VAR, keep_in=keep, required=True) == "from-a-file"
    monkeypatch.setenv(VAR, "from-the-variable")
    assert env_secret(VAR, keep_in=keep, required=True) == "from-the-variable"
    assert not keep.exists()


def test_env_secret_is_required_when_asked(no_secret, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_secret(VAR, keep_in=None, required=True)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_secret(VAR, keep_in=tmp_path / "secret_key", required=True)
    assert not (tmp_path / "secret_key").exists()


def test_env_secret_with_an_unreadable_file_names_the_variable(no_secret, monkeypatch, tmp_path):
    monkeypatch.setenv(f"{VAR}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}_FILE"):
        env_secret(VAR, keep_in=None, required=True)
