// Login posts to the JSON API (POST /api/session); the server sets the HttpOnly session cookie.
import { api } from "./api.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const data = new FormData(form);
  const username = String(data.get("username") || "").trim();
  const password = String(data.get("password") || "");
  if (!username || !password) {
    errorBox.textContent = "请输入用户名和密码";
    errorBox.hidden = false;
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/api/session", { username, password });
    location.href = form.dataset.next || "/";
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
    button.disabled = false;
  }
});
