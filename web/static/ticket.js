// The ticket page offers a refresh when this ticket changes while it is open.
import { connectLive } from "./live.js";

const ticketId = Number(document.querySelector("[data-ticket]").dataset.ticket);
connectLive({
  onTicketEvent: (event) => {
    if (event.ticket_id === ticketId) document.getElementById("live-banner").hidden = false;
  },
});
