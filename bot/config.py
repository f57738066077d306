"""Settings: the only place that reads the environment. Bad values fail at start with a message that
names the variable, what it expects and what it got."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    pass


def _default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "newsbot"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (>= {minimum}), got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").replace(",", " ").split()
    try:
        return frozenset(int(x) for x in raw)
    except ValueError:
        raise ConfigError(f"{name} must be Telegram ids separated by commas or spaces, got {env.get(name)!r}") from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {env.get(name)!r}")


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)  # never printed
    telegram_api: str = DEFAULT_API
    data_dir: Path = field(default_factory=lambda: _default_data_dir(os.environ))
    poll_seconds: int = 300
    retention_days: int = 90
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    allow_private_urls: bool = False
    max_file_mb: int = 20
    llm_url: str | None = None
    llm_model: str | None = None
    llm_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = env.get("NEWSBOT_DATA_DIR", "").strip()
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            telegram_api=env.get("NEWSBOT_TELEGRAM_API", "").strip() or DEFAULT_API,
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(env),
            poll_seconds=_int(env, "NEWSBOT_POLL_SECONDS", 300, 1),
            retention_days=_int(env, "NEWSBOT_RETENTION_DAYS", 90, 1),
            admins=_ids(env, "NEWSBOT_ADMINS"),
            allowed_chats=_ids(env, "NEWSBOT_ALLOWED_CHATS"),
            allow_private_urls=_flag(env, "NEWSBOT_ALLOW_PRIVATE_URLS"),
            max_file_mb=_int(env, "NEWSBOT_MAX_FILE_MB", 20, 1),
            llm_url=env.get("NEWSBOT_LLM_URL", "").strip() or None,
            llm_model=env.get("NEWSBOT_LLM_MODEL", "").strip() or None,
            llm_key=env.get("NEWSBOT_LLM_KEY", "").strip() or None,
        )
