"""Kamailio in front of several workers: it spreads more calls than one worker holds over all of them,
fails over when a worker is killed, and refuses sources outside the ACL."""

from __future__ import annotations

import collections
import os
import signal
import socket
import time
from pathlib import Path

from tests.support.ports import free_port
from tests.telephony.conftest import call_events
from tests.telephony.sip_tools import caller_scenario, start_sipp
from tests.telephony.test_inbound_bridge import wait_for


def per_worker(events: list[dict], since: int = 0) -> collections.Counter:
    return collections.Counter(e["details"]["worker"] for e in events[since:] if e["kind"] == "queued")


def test_edge_spreads_calls_and_fails_over_when_a_worker_dies(line_env, workers, edge, bus, tmp_path):
    env = {
        **line_env,
        "HOTLINE_SIP_PORT": str(free_port()),
        "HOTLINE_TELEPHONY_WORKERS": "3",
        "HOTLINE_SIP_PIKE_REQUESTS": "500",
    }
    started = [workers(env, k) for k in (1, 2, 3)]
    config = edge(env)
    target = f"127.0.0.1:{config.port}"

    # Six callers at once: one worker holds two; all six are answered, two on each worker.
    first = start_sipp(
        caller_scenario(tmp_path, talk_ms=4000), tmp_path, target=target, calls=6, limit=6, rate=20
    )
    assert first.wait(60) == 0, first.output()[-2500:]
    events = wait_for(
        lambda: call_events(bus) if sum(e["kind"] == "abandoned" for e in call_events(bus)) == 6 else None
    )
    assert per_worker(events) == {"worker-1": 2, "worker-2": 2, "worker-3": 2}

    # Worker 2 dies without a word; the next four callers still get through, on workers 1 and 3.
    os.kill(started[1].process.pid, signal.SIGKILL)
    started[1].process.wait()
    seen = len(events)
    second = start_sipp(
        caller_scenario(tmp_path, talk_ms=4000), tmp_path, target=target, calls=4, limit=4, rate=20
    )
    assert second.wait(60) == 0, second.output()[-2500:]
    events = wait_for(
        lambda: call_events(bus) if sum(e["kind"] == "abandoned" for e in call_events(bus)) == 10 else None
    )
    assert per_worker(events, seen) == {"worker-1": 2, "worker-3": 2}
    log = (tmp_path / "kamailio.log").read_text(errors="replace")
    assert "worker busy or down" in log


def test_edge_refuses_sources_outside_the_acl(line_env, edge, tmp_path):
    env = {
        **line_env,
        "HOTLINE_SIP_PORT": str(free_port()),
        "HOTLINE_TELEPHONY_WORKERS": "1",
        "HOTLINE_SIP_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    config = edge(env)
    # 127.0.0.2 is loopback too, but not in the allowed network.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.2", 0))
        sock.settimeout(3)
        port = sock.getsockname()[1]
        sock.sendto(
            (
                f"OPTIONS sip:127.0.0.1:{config.port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bK-acl\r\n"
                "Max-Forwards: 5\r\nFrom: <sip:scanner@127.0.0.2>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
                "Call-ID: acl-test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            ).encode(),
            ("127.0.0.1", config.port),
        )
        reply = sock.recv(4096)
    assert reply.startswith(b"SIP/2.0 403")
    time.sleep(0.2)
    assert "not in sip_allowed_networks" in Path(tmp_path / "kamailio.log").read_text(errors="replace")


def test_edge_drops_a_flood_from_one_source(line_env, edge, tmp_path):
    env = {
        **line_env,
        "HOTLINE_SIP_PORT": str(free_port()),
        "HOTLINE_TELEPHONY_WORKERS": "1",
        "HOTLINE_SIP_PIKE_REQUESTS": "5",
    }
    config = edge(env)
    answered = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.05)
        port = sock.getsockname()[1]
        for index in range(60):  # a scanner's burst: far above 5 requests per 2 s
            sock.sendto(
                (
                    f"OPTIONS sip:127.0.0.1:{config.port} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-flood{index}\r\n"
                    f"Max-Forwards: 5\r\nFrom: <sip:scanner@127.0.0.1>;tag={index}\r\nTo: <sip:127.0.0.1>\r\n"
                    f"Call-ID: flood-{index}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                ).encode(),
                ("127.0.0.1", config.port),
            )
            try:
                while sock.recv(4096):
                    answered += 1
            except TimeoutError:
                pass
    assert 0 < answered < 20  # the first few are answered, the rest of the burst is dropped
    assert "flood from 127.0.0.1" in (tmp_path / "kamailio.log").read_text(errors="replace")
