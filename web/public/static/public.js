// Conveniences only: the pages work without this script.
"use strict";

// One click, one submission: the button stays disabled once the form is on its way. (A second
// submit would return the same ticket anyway: the form token is the idempotency key.)
document.querySelectorAll("form[data-once]").forEach((form) => {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) {
      setTimeout(() => { button.disabled = true; button.textContent = "正在提交…"; }, 0);
    }
  });
});

// "Use my location" fills the hidden latitude/longitude fields; shown only where the browser can.
document.querySelectorAll("[data-locate]").forEach((button) => {
  if (!("geolocation" in navigator) || !window.isSecureContext) return;
  const form = button.closest("form");
  const status = form.querySelector("[data-locate-status]");
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = "正在获取位置…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = "已记录当前位置";
      },
      () => { status.textContent = "未能获取位置，请在“发生地点”中填写"; },
      { timeout: 10000 },
    );
  });
});

// Show the chosen photo's name next to the Chinese "选择照片" button.
document.querySelectorAll("label.file input[type=file]").forEach((input) => {
  const name = input.closest("label").querySelector("[data-file-name]");
  const show = () => { name.textContent = input.files.length ? input.files[0].name : "未选择文件"; };
  input.addEventListener("change", show);
  show();
});
