"""Leader live-answer days on the phone (领导在线接听日, DESIGN §8/§9).

During a session every caller first hears the session announcement instead of the welcome. Then,
as the session is scheduled:
- direct (default): the queue offers the caller straight to the leader's SIP URI, one call at a time
  (claimed in Redis across workers, so two workers never ring the leader at once); the call is bridged
  and recorded like an agent's. Callers wait for the leader up to the queue limit, then voicemail.
- screened: the ordinary queue offers the caller to an agent, who screens the call and hands it to
  the leader from the console (`leader_handoff`): the leader's phone joins a three-way call — the
  agent stays on to record the ticket, and the recording hears all three.
Either way the ticket is recorded from the console through `POST /api/leader-sessions/{id}/tickets`,
tagged with the session, and every call event carries the session's id.

The flow thread never touches the database: the day's sessions are read here by a background thread
every few seconds, and the flow asks this cache.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import redis

from telephony import acd
from telephony.progress import database
from ticketing.leader_on_air import OnAir, on_air, sessions_around

log = logging.getLogger(__name__)
SESSION_KEY = "leader_session_id"  # in the call events' details: how consoles find the session's calls
ANNOUNCEMENT = "leader_session"  # the prompt played instead of the welcome during a session
REFRESH_S = 5.0
HORIZON = timedelta(hours=12)


class LeaderLine:
    def __init__(
        self, database_url: str, refresh_seconds: float = REFRESH_S, registered_phone_uri: str = ""
    ) -> None:
        self.database_url, self.refresh_seconds = database_url, refresh_seconds
        self.registered_phone_uri = registered_phone_uri
        self._sessions: list[OnAir] = []

    def refresh(self) -> None:
        now = datetime.now(UTC)
        with database(self.database_url).read_session() as session:
            self._sessions = sessions_around(session, now - HORIZON, now + HORIZON, self.registered_phone_uri)

    def refresh_safely(self) -> None:
        try:
            self.refresh()
        except Exception:  # keep routing by the last good schedule while the database is away
            log.exception("reading leader sessions")

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.refresh_seconds):
            self.refresh_safely()

    def on_air(self, now: datetime) -> OnAir | None:
        return on_air(self._sessions, now)

    def _session(self, session_id: object) -> OnAir | None:
        return next((s for s in self._sessions if s.session_id == session_id), None)

    def claim(
        self, client: redis.Redis, session_id: int, worker: str, registered_phone_uri: str = ""
    ) -> acd.ClaimedAgent | None:
        """Who takes a caller of this session: the leader's phone (None while on another call), or an
        agent when the session is screened — or cancelled since the caller came in."""
        found = self._session(session_id)
        if found is None or found.screened:
            return acd.claim_agent(client, registered_phone_uri)
        return acd.claim_direct(client, found.leader_username, found.sip_uri, worker)

    def handoff_uri(self, session_id: object) -> str | None:
        """Where a screening agent hands a caller of this session: the leader's phone."""
        found = self._session(session_id)
        return found.sip_uri if found is not None else None
