"""Settings of the payments service.

load_settings(env) merges config/base.toml with config/<env>.toml (tables merged key by key),
reads the credentials from the environment's secrets file (`secrets_file` in its config: an
absolute path, or relative to the repository root) and applies PAYMENTS_* environment
variables on top. See README.md.
"""
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "config"
SECRET_KEYS = ("stripe_api_key", "webhook_secret", "database_password")


class ConfigError(Exception):
    """The settings cannot be loaded; the message names the file or key."""


@dataclass(frozen=True)
class Settings:
    env: str
    service: str
    log_level: str
    timeout_s: int
    database_url: str
    stripe_api_key: str
    webhook_secret: str


def read_toml(path: Path, what: str) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} {path} does not exist") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc


def merged(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def load_settings(env: str, config_dir: Path = CONFIG_DIR, environ=os.environ) -> Settings:
    config_dir = Path(config_dir)
    config = merged(
        read_toml(config_dir / "base.toml", "config file"),
        read_toml(config_dir / f"{env}.toml", "config file"),
    )
    if "secrets_file" not in config:
        raise ConfigError(f"config/{env}.toml does not name a secrets_file")
    secrets_path = config_dir.parent / config["secrets_file"]  # an absolute path stays as it is
    secrets = read_toml(secrets_path, "secrets file")
    for key in SECRET_KEYS:
        if not isinstance(secrets.get(key), str):
            raise ConfigError(f"secrets file {secrets_path} has no {key}")
    log_level = environ.get("PAYMENTS_LOG_LEVEL", config["log_level"])
    timeout = environ.get("PAYMENTS_TIMEOUT_S", config["timeout_s"])
    try:
        timeout_s = int(timeout)
    except ValueError as exc:
        raise ConfigError(f"PAYMENTS_TIMEOUT_S must be an integer, got {timeout!r}") from exc
    db = config["database"]
    return Settings(
        env=env,
        service=config["service"],
        log_level=log_level,
        timeout_s=timeout_s,
        database_url=f"postgresql://{db['user']}:{secrets['database_password']}@{db['host']}:{db['port']}/{db['name']}",
        stripe_api_key=secrets["stripe_api_key"],
        webhook_secret=secrets["webhook_secret"],
    )
