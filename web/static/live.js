// The console's WebSocket (/ws): reconnects after a drop and resumes from the last ids it saw, so the
// server sends what was missed and nothing twice.
export function connectLive({ onTicketEvent, onCallEvent, onStatus }) {
  // The page was rendered up to this event: catch up from there, not from the beginning of time.
  const meta = document.querySelector('meta[name="last-event-id"]');
  let lastEventId = meta ? Number(meta.content) || 0 : 0;
  let lastCallEvent = "";
  let delay = 1000;

  function open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ last_event_id: String(lastEventId) });
    if (lastCallEvent) query.set("last_call_event", lastCallEvent);
    const socket = new WebSocket(`${scheme}://${location.host}/ws?${query}`);
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "caught_up") {
        lastEventId = Math.max(lastEventId, data.last_event_id);
        delay = 1000;
        if (onStatus) onStatus("online");
      } else if (data.type === "ticket_event") {
        lastEventId = Math.max(lastEventId, data.event.id);
        if (onTicketEvent) onTicketEvent(data.event);
      } else if (data.type === "call_event") {
        lastCallEvent = data.stream_id;
        if (onCallEvent) onCallEvent(data.event);
      }
    });
    socket.addEventListener("close", () => {
      if (onStatus) onStatus("offline");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  open();
}
