"""Configuration: defaults, then one TOML file, then `HOTLINE_*` environment variables (last wins).

The TOML file is `--config PATH`, else `$HOTLINE_CONFIG`, else `./hotline.toml` when it exists. Its
keys are the field names below, flat or grouped in tables whose name prefixes the key
(`[web] port = 8081` is `web_port`). Every environment variable is `HOTLINE_` + the upper-cased key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "HOTLINE_"
DEFAULT_CONFIG_FILE = Path("hotline.toml")


class ConfigError(Exception):
    """A bad setting; the message says which one and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite in the data dir
    redis_url: str = ""  # empty: a private redis-server on a unix socket in the data dir
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    sip_port: int = 5060
    sip_host: str = "127.0.0.1"  # the edge's listening address: the LAN address when desk phones register
    sip_realm: str = "hotline"  # digest realm of agents' phone accounts (changing it voids their passwords)
    rq_workers: int = 1
    telephony_workers: int = 3
    telephony_base_port: int = 5070  # worker K listens for SIP on 127.0.0.1:(base + K)
    telephony_rtp_base_port: int = 40000  # worker K takes RTP ports base + 200·K … +199
    telephony_ring_seconds: int = 15  # an agent who does not answer within this goes not-ready
    telephony_queue_seconds: int = 60  # then the caller is offered voicemail
    telephony_voicemail_seconds: int = 120  # longest message
    telephony_staffed_hours: str = ""  # Beijing time "08:00-20:00"; outside: straight to voicemail
    telephony_no_media_seconds: int = 10  # watchdog: hang up a call that sends no RTP this long
    telephony_transcribe: int = 1  # 0: no live transcript (no recognizer process per worker)
    telephony_voice_model: str = ""  # a vosk model folder; empty: the Chinese model voice_models finds
    sip_allowed_networks: str = "127.0.0.0/8"  # comma-separated; the edge refuses other sources
    sip_pike_requests: int = 60  # requests per source per 2 s before the edge drops them (pike)
    emergency_uris: str = ""  # "110=sip:110@gw,119=sip:119@gw,120=…,122=…"
    gateway_uri_template: str = ""  # outbound calls, e.g. "sip:{number}@10.0.0.5:5060"
    # Callback surveys (回访) after closure: Beijing-time window on working days, attempts spaced out.
    survey_delay_minutes: int = 60
    survey_hours: str = "09:00-20:00"
    survey_attempts: int = 3
    survey_retry_minutes: int = 120
    survey_ring_seconds: int = 30
    log_level: str = "INFO"
    # Per client IP, counted in Redis across all web processes; 0 switches a limit off.
    rate_public_per_minute: int = 120  # every public page and public API call
    rate_submit_per_hour: int = 20  # new requests from the public form and API
    rate_lookup_per_minute: int = 10  # progress look-ups (number + last 4 phone digits)
    rate_lookup_failures_per_ticket_per_hour: int = 20  # wrong last-4 guesses on one number, any address
    rate_login_per_minute: int = 20
    rate_open311_post_per_minute: int = 60
    rate_device_per_minute: int = 3000  # rating-device API calls per client address (a hall's NAT)
    web_forwarded_hops: int = 0  # reverse proxies whose X-Forwarded-For entry names the client
    web_processes: int = 2  # `hotline up` runs this many, all on web_port (SO_REUSEPORT)
    web_threads: int = 16  # per web process: database calls run in these threads, off the event loop

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"

    @property
    def redis_socket(self) -> Path:
        return (self.data_dir / "redis" / "redis.sock").resolve()

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or f"unix://{self.redis_socket}?db=0"

    @property
    def suggesters_dir(self) -> Path:
        """Trained type/category/unit suggesters (speech models live in data_dir/models)."""
        return self.data_dir / "suggesters"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def telephony_dir(self) -> Path:
        """Prompts, recordings in progress, voicemail, the generated Kamailio config."""
        return self.data_dir / "telephony"

    def telephony_worker_port(self, worker: int) -> int:
        return self.telephony_base_port + worker


# Annotations are strings here (postponed evaluation); map them back to the types we coerce to.
_TYPES_BY_NAME: dict[str, type] = {"Path": Path, "str": str, "int": int}
FIELD_TYPES: dict[str, type] = {f.name: _TYPES_BY_NAME[str(f.type)] for f in fields(Settings)}


def _coerce(key: str, value: Any, source: str) -> Any:
    kind = FIELD_TYPES[key]
    try:
        if kind is int:
            if isinstance(value, bool):
                raise ValueError
            number = int(value)
            if key.endswith("_port") and not 1 <= number <= 65535:
                raise ValueError
            if (key.endswith("_workers") or key.startswith("rate_") or key.endswith("_hops")) and number < 0:
                raise ValueError
            if key.endswith(("_processes", "_threads")) and number < 1:
                raise ValueError
            return number
        if kind is Path:
            return Path(str(value)).expanduser()
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: invalid value for {key}: {value!r}") from None


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _from_file(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    values = {}
    for key, value in _flatten(raw).items():
        if key not in FIELD_TYPES:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(FIELD_TYPES)})")
        values[key] = _coerce(key, value, str(path))
    return values


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for key in FIELD_TYPES:
        name = ENV_PREFIX + key.upper()
        if name in environ:
            values[key] = _coerce(key, environ[name], name)
    return values


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    if config_file is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(environ[ENV_PREFIX + "CONFIG"])
    if config_file is None and DEFAULT_CONFIG_FILE.exists():
        config_file = DEFAULT_CONFIG_FILE
    settings = Settings()
    if config_file is not None:
        settings = replace(settings, **_from_file(config_file))
    return replace(settings, **_from_env(environ))
