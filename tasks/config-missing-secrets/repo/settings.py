"""Settings of the payments service.

load_settings(env) merges config/base.toml with config/<env>.toml (tables merged key by key),
reads the credentials from the environment's secrets file (`secrets_file` in its config: an
absolute path, or relative to the repository root) and applies PAYMENTS_* environment
variables on top. See README.md.
"""
import os
from dataclasses import dataclass
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "config"


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


def load_settings(env: str, config_dir: Path = CONFIG_DIR, environ=os.environ) -> Settings:
    raise NotImplementedError
