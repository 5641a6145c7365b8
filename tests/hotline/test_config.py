from pathlib import Path

import pytest

from hotline.config import ConfigError, load_settings


def test_defaults_need_nothing_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.web_port == 8080
    assert settings.embedded_redis
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    assert settings.effective_redis_url == f"unix://{tmp_path / 'var' / 'redis' / 'redis.sock'}?db=0"


def test_file_then_environment_last_wins(tmp_path):
    config = tmp_path / "hotline.toml"
    config.write_text('data_dir = "/srv/hotline"\n[web]\nport = 8081\nhost = "0.0.0.0"\n', encoding="utf-8")
    settings = load_settings(config, environ={"HOTLINE_WEB_PORT": "9090"})
    assert settings.data_dir == Path("/srv/hotline")
    assert (settings.web_host, settings.web_port) == ("0.0.0.0", 9090)


def test_hotline_config_variable_names_the_file(tmp_path):
    config = tmp_path / "x.toml"
    config.write_text('redis_url = "redis://10.0.0.9:6379/2"\n', encoding="utf-8")
    settings = load_settings(environ={"HOTLINE_CONFIG": str(config)})
    assert not settings.embedded_redis and settings.effective_redis_url == "redis://10.0.0.9:6379/2"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("web_prot = 1\n", {}, "unknown setting 'web_prot'"),
        ("web_port = 70000\n", {}, "invalid value for web_port"),
        ("web_port = \n", {}, "not valid TOML"),
        ("", {"HOTLINE_WEB_PORT": "eighty"}, "HOTLINE_WEB_PORT: invalid value for web_port"),
        ("", {"HOTLINE_RQ_WORKERS": "-1"}, "invalid value for rq_workers"),
        ("[web]\nprocesses = 0\n", {}, "invalid value for web_processes"),
        ("", {"HOTLINE_WEB_THREADS": "0"}, "invalid value for web_threads"),
    ],
)
def test_bad_settings_name_the_culprit(tmp_path, text, env, message):
    config = tmp_path / "hotline.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ=env)
