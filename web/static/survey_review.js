// The platform's 回访复核 queue: surveys answered 未解决 or 不满意. 重办 sends the ticket back to its
// unit with new deadlines; 不重办 records why. Other units' dispatchers do not see the panel.
import { api, h, run } from "./api.js";

const $ = (id) => document.getElementById(id);

function decide(task, decision, button) {
  const reason = prompt(decision === "reopen" ? "重办的理由：" : "不重办的理由：");
  if (!reason) return;
  run(button, async () => {
    await api("POST", `/api/tickets/${task.ticket_id}/actions/survey_review`, { decision, reason });
    await load();
  }, decision === "reopen" ? "已重办，退回原承办单位" : "已记录不重办理由");
}

function row(task) {
  const reopen = h("button", { type: "button", class: "primary", dataset: { decision: "reopen" } }, "重办");
  const close = h("button", { type: "button", dataset: { decision: "close" } }, "不重办");
  reopen.addEventListener("click", () => decide(task, "reopen", reopen));
  close.addEventListener("click", () => decide(task, "close", close));
  const answers = [task.resolved ? "已解决" : "未解决", task.satisfaction_label].filter(Boolean).join("，");
  return h("tr", { dataset: { ticket: task.ticket_id } },
    h("td", {}, h("a", { href: "/tickets/" + task.ticket_id }, task.ticket_number), " ", task.ticket_title),
    h("td", {}, answers),
    h("td", {}, task.phone),
    h("td", { class: "c-act" }, reopen, " ", close));
}

async function load() {
  let items;
  try {
    ({ items } = await api("GET", "/api/surveys/review"));
  } catch (error) {
    if (error.status === 403) return; // not the city platform: the queue is not this unit's
    throw error;
  }
  $("survey-review").hidden = false;
  $("survey-review-count").textContent = `共 ${items.length} 件`;
  $("survey-review-rows").replaceChildren(...(items.length ? items.map(row)
    : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "暂无待复核的回访"))]));
}

load();
