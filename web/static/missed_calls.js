// The missed-call callback list on the agent's desk: callers who hung up in the queue and have not got
// through since. The agent dials the number from the desk phone and records how it went; a number
// clicked goes into the intake form (a reached caller usually has a request).
import { api, h, run, shortTime } from "./api.js";

const REFRESH_MS = 30_000;
const list = document.getElementById("callback-list");

function fillIntake(number) {
  const phone = document.getElementById("f-phone");
  phone.value = number;
  phone.dispatchEvent(new Event("change"));
  document.getElementById("f-content").focus();
}

function entry(item, outcomes) {
  const waited = item.longest_wait_seconds ? `，最长等待 ${Math.round(item.longest_wait_seconds)} 秒` : "";
  const buttons = Object.entries(outcomes).map(([outcome, label]) =>
    h("button", { type: "button", class: "small", dataset: { outcome }, onclick: async (event) => {
      const done = await run(event.currentTarget,
        () => api("POST", `/api/missed-calls/${item.call_record_id}`, { outcome }), `已记录：${label}`);
      if (done) await refresh();
    } }, label.replace(/^回拨/, "")));
  return h("li", { dataset: { call: item.call_record_id } },
    h("a", { href: "#", class: "callback-number", onclick: (e) => { e.preventDefault(); fillIntake(item.caller); } }, item.caller),
    h("div", { class: "muted" }, `${shortTime(item.last_at)} 未接通 ${item.attempts} 次${waited}`),
    h("div", { class: "button-row" }, buttons));
}

async function refresh() {
  try {
    const { items, outcomes } = await api("GET", "/api/missed-calls");
    document.getElementById("callback-count").textContent = items.length;
    list.replaceChildren(...(items.length ? items.map((item) => entry(item, outcomes))
      : [h("li", { class: "muted" }, "没有待回拨的未接来电")]));
  } catch (error) {
    list.replaceChildren(h("li", { class: "error" }, `回拨清单加载失败：${error.message}`));
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
