// The dispatcher's queue: sign, dispatch one level down (with suggestions), review replies from below.
import { api, reloadSoon, run } from "./api.js";

async function suggest(row, button) {
  const result = await run(button, () => api("GET", `/api/tickets/${row.dataset.ticket}/suggestions`));
  if (!result) return;
  const select = row.querySelector("select.unit");
  const hint = row.querySelector(".hint");
  const options = [...select.options];
  const usable = result.unit.filter((s) => options.some((o) => o.dataset.code === s.value));
  if (!usable.length) { hint.textContent = "暂无可用建议"; return; }
  const best = usable[0];
  select.value = options.find((o) => o.dataset.code === best.value).value;
  hint.textContent = usable.map((s) => `${s.label} ${Math.round(s.confidence * 100)}%${s.source === "rule" ? "（派单目录）" : ""}`).join("；");
}

const ACTIONS = {
  sign: (row) => api("POST", `/api/tickets/${row.dataset.ticket}/actions/sign`, { assignment_id: Number(row.dataset.assignment) }),
  dispatch: (row) => api("POST", `/api/tickets/${row.dataset.ticket}/actions/dispatch`, { unit_id: Number(row.querySelector("select.unit").value) }),
  accept: (row) => api("POST", `/api/tickets/${row.dataset.ticket}/actions/review`, { accept: true }),
  approve: (row, button) => api("POST", `/api/tickets/${row.dataset.ticket}/actions/decide_extension`, { request_id: Number(button.dataset.request), approve: true }),
  refuse: (row, button) => api("POST", `/api/tickets/${row.dataset.ticket}/actions/decide_extension`, { request_id: Number(button.dataset.request), approve: false }),
  reject: (row) => {
    const reason = prompt("退回重办的理由：");
    if (!reason) return Promise.reject(new Error("已取消"));
    return api("POST", `/api/tickets/${row.dataset.ticket}/actions/review`, { accept: false, reason });
  },
};
const DONE = { sign: "已签收", dispatch: "已派单", accept: "审核通过", reject: "已退回重办", approve: "已同意延期", refuse: "已驳回延期申请" };

document.querySelectorAll("#queue button[data-action]").forEach((button) => {
  button.addEventListener("click", async () => {
    const row = button.closest("tr");
    const action = button.dataset.action;
    if (action === "suggest") { await suggest(row, button); return; }
    if (await run(button, () => ACTIONS[action](row, button), DONE[action])) reloadSoon();
  });
});
