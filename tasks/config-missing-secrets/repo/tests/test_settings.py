"""Tests for settings.load_settings."""
from hashlib import sha256

import pytest

from settings import ConfigError, Settings, load_settings


def write_config(root, env_toml, secrets_toml=None):
    config = root / "config"
    config.mkdir()
    (config / "base.toml").write_text(
        'service = "payments"\nlog_level = "info"\ntimeout_s = 10\n\n'
        '[database]\nhost = "localhost"\nport = 5432\nname = "payments"\nuser = "payments"\n'
    )
    (config / "qa.toml").write_text(env_toml)
    if secrets_toml is not None:
        (root / "qa-secrets.toml").write_text(secrets_toml)
    return config


SECRETS = 'stripe_api_key = "sk_test_qa"\nwebhook_secret = "whsec_qa"\ndatabase_password = "pw"\n'


def test_merges_base_environment_and_secrets(tmp_path):
    config = write_config(tmp_path, 'secrets_file = "qa-secrets.toml"\n\n[database]\nhost = "db.qa"\n', SECRETS)
    settings = load_settings("qa", config_dir=config, environ={})
    assert settings == Settings(
        env="qa",
        service="payments",
        log_level="info",
        timeout_s=10,
        database_url="postgresql://payments:pw@db.qa:5432/payments",
        stripe_api_key="sk_test_qa",
        webhook_secret="whsec_qa",
    )


def test_environment_variables_win(tmp_path):
    config = write_config(tmp_path, f'secrets_file = "{tmp_path}/qa-secrets.toml"\nlog_level = "warning"\n', SECRETS)
    settings = load_settings("qa", config_dir=config, environ={"PAYMENTS_LOG_LEVEL": "debug", "PAYMENTS_TIMEOUT_S": "3"})
    assert (settings.log_level, settings.timeout_s) == ("debug", 3)


def test_missing_secrets_file_is_a_config_error(tmp_path):
    config = write_config(tmp_path, 'secrets_file = "nowhere/qa-secrets.toml"\n')
    with pytest.raises(ConfigError, match="qa-secrets.toml"):
        load_settings("qa", config_dir=config, environ={})


def test_missing_secret_key_is_a_config_error(tmp_path):
    config = write_config(tmp_path, 'secrets_file = "qa-secrets.toml"\n', 'stripe_api_key = "sk"\nwebhook_secret = "w"\n')
    with pytest.raises(ConfigError, match="database_password"):
        load_settings("qa", config_dir=config, environ={})


def test_production_settings():
    """What the service runs with in production (the credentials are checked by digest only)."""
    settings = load_settings("production", environ={})
    assert (settings.service, settings.log_level, settings.timeout_s) == ("payments", "warning", 10)
    assert all(type(value) is str for value in (settings.database_url, settings.stripe_api_key, settings.webhook_secret))
    assert sha256(settings.stripe_api_key.encode()).hexdigest() == "91517b892f52b2cfe3e9b11097ed469fe94a5ae1b603e57b10f7cfaf9b22f693"
    assert sha256(settings.webhook_secret.encode()).hexdigest() == "2a37f52b2c69ff63c1f527f4dd1b8726a4c864559fcf77d88489e2c39632d674"
    assert sha256(settings.database_url.encode()).hexdigest() == "7224638aaa6dd7f698d7dac1475d3b58af22a933f1a3154a8dca768749fb0dbf"
