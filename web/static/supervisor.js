// The supervisor's board: 催办 / 督办 on a card; live ticket events offer a refresh.
import { api, run } from "./api.js";
import { connectLive } from "./live.js";

const LABELS = { urge: "已催办", supervise: "已督办" };

document.querySelectorAll(".sv-card button[data-kind]").forEach((button) => {
  button.addEventListener("click", async () => {
    const card = button.closest(".sv-card");
    const note = card.querySelector("input.note").value.trim();
    const kind = button.dataset.kind;
    const done = await run(button, () => api("POST", `/api/tickets/${card.dataset.ticket}/supervision`, { kind, note }), LABELS[kind]);
    if (done) {
      card.querySelector("input.note").value = "";
      card.append(Object.assign(document.createElement("div"), { className: "muted done", textContent: LABELS[kind] + "，已记入工单时间线" }));
    }
  });
});

const me = Number(document.querySelector('meta[name="user-id"]').content);
connectLive({
  onTicketEvent: (event) => {
    if (event.actor_user_id !== me && ["warn", "urge", "supervise", "sign", "reply"].includes(event.action)) document.getElementById("live-banner").hidden = false;
  },
});
