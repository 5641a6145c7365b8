// The department's workbench: sign, return with a reason code, request an extension, reply with files.
import { api, reloadSoon, run } from "./api.js";

const path = (task, action) => `/api/tickets/${task.dataset.ticket}/actions/${action}`;
const assignment = (task) => Number(task.dataset.assignment);

async function uploadAll(task, input) {
  const ids = [];
  for (const file of input ? input.files : []) {
    const form = new FormData();
    form.append("file", file);
    const stored = await api("POST", `/api/tickets/${task.dataset.ticket}/attachments`, form);
    ids.push(stored.id);
  }
  return ids;
}

document.querySelectorAll("#inbox details.task").forEach((task) => {
  const files = task.querySelector("input[name=files]");
  files?.addEventListener("change", () => {
    files.parentElement.querySelector(".names").textContent = [...files.files].map((f) => f.name).join("、") || "未选择文件";
  });

  task.querySelector('[data-action="sign"]')?.addEventListener("click", async (event) => {
    if (await run(event.currentTarget, () => api("POST", path(task, "sign"), { assignment_id: assignment(task) }), "已签收")) reloadSoon();
  });

  task.querySelector(".reply-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.elements.text.value.trim();
    const button = form.querySelector("button[type=submit]");
    const lead = task.dataset.role === "lead";
    const done = await run(button, async () => {
      if (!text) throw Object.assign(new Error("回复内容不能为空"), { code: "reply_required" });
      if (!lead) return api("POST", path(task, "helper_reply"), { assignment_id: assignment(task), text });
      const attachmentIds = await uploadAll(task, form.elements.files);
      return api("POST", path(task, "reply"), {
        assignment_id: assignment(task), text, resolved: form.elements.resolved.checked, attachment_ids: attachmentIds,
      });
    }, "已提交回复");
    if (done) reloadSoon();
  });

  task.querySelector(".extension-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const body = { assignment_id: assignment(task), working_days: Number(form.elements.working_days.value), reason: form.elements.reason.value.trim() };
    if (await run(form.querySelector("button"), () => api("POST", path(task, "request_extension"), body), "延期申请已提交")) reloadSoon();
  });

  task.querySelector(".return-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const body = { assignment_id: assignment(task), reason_code: form.elements.reason_code.value, reason: form.elements.reason.value.trim() };
    if (await run(form.querySelector("button"), () => api("POST", path(task, "return"), body), "已退单")) reloadSoon();
  });
});
