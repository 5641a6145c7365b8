// The admin's rating devices: register (the token is shown once), revoke, add halls and windows.
import { api, reloadSoon, run } from "./api.js";

const values = (form) => Object.fromEntries(new FormData(form));

document.querySelectorAll('#devices [data-action="revoke"]').forEach((button) => {
  button.addEventListener("click", async () => {
    const row = button.closest("tr");
    if (await run(button, () => api("POST", `/api/admin/devices/${row.dataset.device}/revoke`), "已停用，令牌立即失效")) {
      row.querySelector(".state").textContent = "已停用";
      button.remove();
    }
  });
});

document.getElementById("register").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { name, window_id } = values(event.currentTarget);
  const device = await run(event.submitter, () => api("POST", "/api/admin/devices", { name, window_id: Number(window_id) }), "已登记");
  if (device) {
    const box = document.getElementById("token");
    box.querySelector("code").textContent = device.token;
    box.hidden = false;
  }
});

document.getElementById("hall").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { name, unit_id } = values(event.currentTarget);
  if (await run(event.submitter, () => api("POST", "/api/admin/halls", { name, unit_id: Number(unit_id) }), "已新增大厅")) reloadSoon();
});

document.getElementById("window").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { hall_id, name, unit_id } = values(event.currentTarget);
  const url = `/api/admin/halls/${hall_id}/windows`;
  if (await run(event.submitter, () => api("POST", url, { name, unit_id: Number(unit_id) }), "已新增窗口")) reloadSoon();
});
