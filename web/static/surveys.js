// The agent's 人工回访 list: surveys the dialer could not finish (unreachable, answer not understood)
// and due ones, called back by hand; the answers are entered here, or the citizen's wish not to be
// called again.
import { api, h, run, toast } from "./api.js";

const $ = (id) => document.getElementById(id);
const SATISFACTION = [["satisfied", "满意"], ["basically_satisfied", "基本满意"], ["unsatisfied", "不满意"]];

function select(className, options) {
  return h("select", { class: className }, ...options.map(([value, label]) => h("option", { value }, label)));
}

function row(task) {
  const resolved = select("survey-resolved", [["true", "已解决"], ["false", "未解决"]]);
  const satisfaction = select("survey-satisfaction", SATISFACTION);
  const save = h("button", { type: "button", class: "primary survey-save" }, "提交");
  save.addEventListener("click", () => run(save, async () => {
    await api("POST", `/api/surveys/${task.id}/answers`, {
      resolved: resolved.value === "true",
      satisfaction: satisfaction.value,
    });
    await load();
  }, "回访结果已保存"));
  const optOut = h("button", { type: "button", class: "survey-opt-out" }, "不接受回访");
  optOut.addEventListener("click", () => run(optOut, async () => {
    await api("PUT", "/api/citizens/callback-opt-out", { phone: task.phone, opt_out: true });
    await load();
  }, "已登记：该市民不接受回访"));
  return h("li", { dataset: { task: task.id } },
    h("a", { href: "/tickets/" + task.ticket_id, target: "_blank" }, task.ticket_number), " ",
    h("span", { class: "tag" }, task.state_label), " ", h("span", { class: "survey-phone" }, task.phone),
    h("div", { class: "muted" }, task.ticket_title),
    h("div", { class: "button-row" }, resolved, satisfaction, save, optOut));
}

async function load() {
  const { items } = await api("GET", "/api/surveys/callbacks");
  $("survey-count").textContent = items.length ? `共 ${items.length} 件` : "";
  $("survey-list").replaceChildren(...(items.length ? items.map(row) : [h("li", { class: "muted" }, "暂无需要人工回访的工单")]));
}

load().catch((error) => toast(error.message, "error"));
