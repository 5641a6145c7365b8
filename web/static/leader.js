// 领导接听日 console: the chosen session's calls (live over /ws) and tickets; agents and the leader
// record a call's ticket here (same-day dispatch to the session's unit); admins schedule and cancel.
import { api, h, run, shortTime, toast } from "./api.js";
import { connectLive } from "./live.js";

const CALL_STATES = {
  queued: "等待接听", offered: "领导电话振铃", answered: "通话中", ended: "已结束",
  abandoned: "来电人挂机", voicemail: "已留言", transferred: "已转接", leader_joined: "已转接领导",
};
const params = new URLSearchParams(location.search);
const links = [...document.querySelectorAll(".session-link")];
// Without ?session=: the session on the air now, else the latest scheduled one.
const onAir = links.find((a) => Date.parse(a.dataset.starts) <= Date.now() && Date.now() < Date.parse(a.dataset.ends));
const chosen = Number(params.get("session") || (onAir || links[0] || { dataset: {} }).dataset.session || 0);
const calls = new Map(); // call_id -> { at, caller, kind, wait, sip_call_id }
const isAgent = document.querySelector(".leader-grid").dataset.role === "agent";
let screened = false; // the session's calls reach an agent first, who hands them to the leader
let refreshTimer;

function handoff(callId, button) {
  return run(button, () => api("POST", `/api/leader-sessions/${chosen}/calls/${encodeURIComponent(callId)}/handoff`), "正在转接领导");
}

function callRow([callId, call]) {
  const actions = [h("button", { type: "button", onclick: () => prefill(call) }, "登记工单")];
  if (screened && isAgent && call.kind === "answered") {
    actions.push(h("button", { type: "button", class: "primary", onclick: (e) => handoff(callId, e.target) }, "转接领导"));
  }
  return h("tr", { dataset: { call: callId } },
    h("td", {}, shortTime(call.at)), h("td", {}, call.caller || "—"),
    h("td", {}, CALL_STATES[call.kind] || call.kind), h("td", {}, call.wait ?? "—"), h("td", {}, actions));
}

function renderCalls() {
  const body = document.querySelector("#calls tbody");
  body.replaceChildren(...[...calls.entries()].reverse().map(callRow));
  document.getElementById("call-count").textContent = String(calls.size);
}

function takeCallEvent(event) {
  if (!event.details || event.details.leader_session_id !== chosen) return;
  if (event.kind.startsWith("transcript")) return;
  const known = calls.get(event.call_id) || { at: event.at, caller: event.caller };
  // The leader joining a screened call is shown as a state; the call goes on (answered) meanwhile.
  known.kind = event.kind === "transferred" && event.details.target === "leader" ? "leader_joined" : event.kind;
  known.sip_call_id = event.details.sip_call_id;
  if (event.details.wait_seconds !== undefined) known.wait = event.details.wait_seconds;
  calls.set(event.call_id, known);
  renderCalls();
}

function prefill(call) {
  const form = document.getElementById("record-form");
  form.sip_call_id.value = call.sip_call_id || "";
  form.contact_phone.value = call.caller && !call.caller.includes("*") ? call.caller.replace(/^\+86/, "") : "";
  form.content.focus();
}

function renderTickets(tickets) {
  const rows = tickets.map((t) => h("tr", {},
    h("td", {}, h("a", { href: `/tickets/${t.id}` }, t.number)), h("td", {}, t.title || "—"),
    h("td", {}, h("span", { class: "status" }, t.status_label)), h("td", {}, shortTime(t.reply_due_at)),
    h("td", {}, t.contact_phone || "—")));
  document.querySelector("#tickets tbody").replaceChildren(...rows);
  document.getElementById("ticket-count").textContent = String(tickets.length);
}

async function load() {
  const data = await api("GET", `/api/leader-sessions/${chosen}`);
  const s = data.session;
  screened = s.screened;
  document.getElementById("session-title").textContent = `${s.topic}${s.status === "cancelled" ? "（已取消）" : ""}`;
  document.getElementById("session-meta").textContent =
    `${s.date} ${s.start}–${s.end} · ${s.leader_name} · ${s.unit_name} · ${s.public ? "公开" : "不公开"}` +
    (s.screened ? " · 话务员先接听" : " · 直接接入领导");
  const link = document.getElementById("public-link");
  link.href = `/public/leader-sessions/${s.id}`;
  link.hidden = !s.public;
  data.calls.forEach((item) => takeCallEvent(item.event));
  renderTickets(data.tickets);
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => load().catch(() => {}), 500);
}

if (chosen) {
  links.forEach((a) => a.classList.toggle("current", Number(a.dataset.session) === chosen));
  document.getElementById("session-view").hidden = false;
  document.getElementById("record-panel").hidden = false;
  load().catch((error) => toast(`${error.message}（${error.code}）`, "error"));
  connectLive({
    onCallEvent: takeCallEvent,
    onTicketEvent: () => refreshSoon(), // a session ticket was signed, replied, closed: new progress
    onStatus: (state) => { document.getElementById("live-state").textContent = state === "online" ? "实时" : "重连中"; },
  });
}

document.getElementById("record-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const body = { content: form.content.value.trim(), ticket_type: form.ticket_type.value,
    idempotency_key: form.dataset.key || (form.dataset.key = crypto.randomUUID()) };
  for (const key of ["contact_phone", "title", "address", "sip_call_id"]) if (form[key].value.trim()) body[key] = form[key].value.trim();
  const done = await run(form.querySelector("button"), () => api("POST", `/api/leader-sessions/${chosen}/tickets`, body));
  if (done) {
    toast(`已登记工单 ${done.number}，当天派往承办单位`);
    form.reset();
    delete form.dataset.key;
    load();
  }
});

const scheduleForm = document.getElementById("schedule-form");
if (scheduleForm) {
  scheduleForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { leader: f.leader.value.trim(), unit_code: f.unit_code.value.trim(), date: f.date.value,
      start: f.start.value, end: f.end.value, topic: f.topic.value.trim(), public: f.public.checked,
      screened: f.screened.checked };
    const done = await run(f.querySelector("button"), () => api("POST", "/api/admin/leader-sessions", body), "已安排");
    if (done) location.href = `/leader?session=${done.id}`;
  });
}
const cancelButton = document.getElementById("btn-cancel");
if (cancelButton) {
  cancelButton.addEventListener("click", async () => {
    if (!confirm("确定取消该接听场次？")) return;
    const done = await run(cancelButton, () => api("PATCH", `/api/admin/leader-sessions/${chosen}`, { status: "cancelled" }), "已取消");
    if (done) load();
  });
}
