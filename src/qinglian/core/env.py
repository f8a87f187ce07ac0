"""Typed readers for environment variables.

Every setting the deployment can change is read through one of these, so that a malformed value
stops start-up with a message that names the variable instead of failing later in a request.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_secret(name: str, *, keep_in: Path | None, required: bool, length: int = 50) -> str:
    """A secret from NAME, or from the file named by NAME_FILE, or (in development) kept in a file.

    With `keep_in` set and no value given, a random secret is generated on first start and kept
    there, so that sessions and encrypted data survive restarts of a development server.
    """
    value = env_str(name)
    if not value and env_str(f"{name}_FILE"):
        path = Path(env_str(f"{name}_FILE"))
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc.strerror}.") from None
    if value:
        return value
    if required or keep_in is None:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (or give {name}_FILE).")
    keep_in.parent.mkdir(parents=True, exist_ok=True)
    if keep_in.exists():
        return keep_in.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(length)
    keep_in.write_text(value, encoding="utf-8")
    keep_in.chmod(0o600)
    return value


def database_from_url(url: str, *, sqlite_default: Path) -> dict:
    """Django's DATABASES['default'] from a DATABASE_URL (sqlite:///path or postgres://...)."""
    if not url:
        return sqlite_settings(sqlite_default)
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/"):
            path = path[1:] or str(sqlite_default)
        return sqlite_settings(Path(path) if path else sqlite_default)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database (postgres://user@host:port/NAME).")
        try:
            port = parsed.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a malformed port.") from None
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": env_str("DATABASE_TEST_NAME") or None},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r} is not understood: use sqlite:///path/to/file.sqlite3 or "
        "postgres://user:password@host:5432/name."
    )


def sqlite_settings(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        },
        "TEST": {"NAME": env_str("SQLITE_TEST_NAME") or None},
    }


def redis_url(name: str) -> str:
    value = env_str(name)
    if value and urlparse(value).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"{name}={value!r} is not a redis:// URL.")
    return value
