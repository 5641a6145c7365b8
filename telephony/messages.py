"""Messages from the SIP thread to the call-flow thread (plain data: no pjsua2 object crosses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Incoming:
    leg: str
    sip_call_id: str
    remote_uri: str


@dataclass(frozen=True)
class MediaReady:
    leg: str


@dataclass(frozen=True)
class Answered:
    """An outbound leg (agent, emergency service, dialled citizen) was answered."""

    leg: str


@dataclass(frozen=True)
class Ended:
    leg: str
    status: int
    reason: str
    had_media: bool


@dataclass(frozen=True)
class Digit:
    leg: str
    digit: str


@dataclass(frozen=True)
class NoMedia:
    """The watchdog hung the leg up: no RTP arrived for too long (scanners, dead phones)."""

    leg: str


@dataclass(frozen=True)
class TransferDone:
    """The far end reported the outcome of our REFER (blind transfer)."""

    leg: str
    status: int
