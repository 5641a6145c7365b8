"""Settings → the telephony package's own configs (the edge, each worker). Lives in the composition
root so that telephony never imports hotline; a bad value becomes a ConfigError naming the setting."""

from __future__ import annotations

import ipaddress
from typing import Any

from hotline.config import ConfigError, Settings
from telephony.config import StackConfig, WorkerConfig
from telephony.flow import FlowConfig
from telephony.hours import HoursError, parse_hours
from telephony.kamailio import EdgeConfig, check_networks

RTP_PORTS_PER_WORKER = 200


def parse_emergency(value: str) -> dict[str, str]:
    """ "110=sip:110@gw,119=sip:119@gw" → {"110": "sip:110@gw", ...}."""
    found = {}
    for item in value.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise ConfigError(f"emergency_uris: expected NAME=URI, got {item.strip()!r}")
        name, uri = item.split("=", 1)
        found[name.strip()] = uri.strip()
    return found


def edge_config(settings: Settings) -> EdgeConfig:
    networks = tuple(n.strip() for n in settings.sip_allowed_networks.split(",") if n.strip())
    try:
        check_networks(networks)
    except ValueError as error:
        raise ConfigError(f"sip_allowed_networks: {error}") from None
    try:
        ipaddress.ip_address(settings.sip_host)
    except ValueError:
        raise ConfigError(f"sip_host: not an IP address: {settings.sip_host!r}") from None
    return EdgeConfig(
        host=settings.sip_host,
        port=settings.sip_port,
        workers=tuple(settings.telephony_worker_port(k) for k in range(1, settings.telephony_workers + 1)),
        allowed_networks=networks,
        runtime_dir=(settings.telephony_dir / "kamailio").resolve(),
        pike_requests_per_2s=settings.sip_pike_requests,
        realm=settings.sip_realm,
    )


def _voice_model(settings: Settings) -> str | None:
    return _chinese_model(settings) if settings.telephony_transcribe else None


def _chinese_model(settings: Settings) -> str | None:
    if settings.telephony_voice_model:
        return settings.telephony_voice_model
    from voice_models.locate import find_model

    located = find_model("zh")
    return str(located.path) if located else None


def worker_config(settings: Settings, index: int) -> WorkerConfig:
    name = f"worker-{index}"
    telephony_dir = settings.telephony_dir.resolve()
    try:
        hours = parse_hours(settings.telephony_staffed_hours)
    except HoursError as error:
        raise ConfigError(f"telephony_staffed_hours: {error}") from None
    flow = FlowConfig(
        worker=name,
        telephony_dir=telephony_dir,
        ring_seconds=settings.telephony_ring_seconds,
        queue_seconds=settings.telephony_queue_seconds,
        voicemail_seconds=settings.telephony_voicemail_seconds,
        emergency=parse_emergency(settings.emergency_uris),
        database_url=settings.effective_database_url,
        gateway_uri_template=settings.gateway_uri_template,
        staffed_hours=hours,
        survey_model=_chinese_model(settings) or "",
        registered_phone_uri=edge_config(settings).phone_uri_template(),
    )
    stack = StackConfig(
        sip_port=settings.telephony_worker_port(index),
        rtp_port=settings.telephony_rtp_base_port + RTP_PORTS_PER_WORKER * index,
        rtp_port_range=RTP_PORTS_PER_WORKER,
        no_media_seconds=settings.telephony_no_media_seconds,
        log_file=str(telephony_dir / f"pjsip-{name}.log"),
    )
    return WorkerConfig(
        name, settings.effective_redis_url, telephony_dir, flow, stack, _voice_model(settings)
    )


def sync_phone_directory(settings: Settings, db: Any) -> int:
    """Write the phone accounts to the edge's subscriber table (re-read by a running edge); returns
    how many phones may register."""
    from telephony.kamailio import write_subscribers
    from ticketing.phone_accounts import subscribers

    with db.read_session() as session:
        accounts = subscribers(session)
    write_subscribers(edge_config(settings), accounts)
    return len(accounts)
