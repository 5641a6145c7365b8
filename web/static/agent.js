// The agent's desk: presence, the call pop, the live transcript, intake with suggestions and duplicate
// hints, first-level dispatch, and the knowledge base with one-click 直接办结.
import { api, h, run, shortTime, toast } from "./api.js";
import { connectLive } from "./live.js";

const $ = (id) => document.getElementById(id);
const STATE_LABELS = { ready: "示闲", not_ready: "示忙", after_call_work: "话后处理", on_call: "通话中", offline: "离线" };

let call = null; // { id, caller } of the call on screen
let ticket = null; // { id, number } registered in this session of the form
let transcriptLines = [];
let lastSuggestions = null;

// ---- presence -------------------------------------------------------------------------------------
function showState(state) {
  const badge = $("state-badge");
  badge.textContent = STATE_LABELS[state] || state;
  badge.className = "badge state-" + state;
  document.querySelectorAll("#presence [data-state]").forEach((b) => b.classList.toggle("on", b.dataset.state === state));
}

document.querySelectorAll("#presence [data-state]").forEach((button) => {
  button.addEventListener("click", () =>
    run(button, async () => showState((await api("PUT", "/api/agent/state", { state: button.dataset.state })).state),
      "状态已切换为" + button.textContent));
});

// ---- call pop and transcript ---------------------------------------------------------------------
async function popCall(event) {
  call = { id: event.call_id, caller: event.caller, sipCallId: (event.details || {}).sip_call_id };
  transcriptLines = [];
  $("transcript").replaceChildren(h("p", { class: "muted", id: "transcript-empty" }, "等待转写……"));
  $("call-empty").hidden = true;
  $("call-card").hidden = false;
  $("call-panel").classList.add("ringing");
  $("call-status").textContent = "来电振铃";
  $("caller-number").textContent = event.caller || "未知号码";
  const details = event.details || {};
  $("caller-place").textContent = [details.region, details.carrier].filter(Boolean).join(" · ") || "归属地查询中……";
  newForm();
  $("f-phone").value = event.caller || "";
  if (!event.caller) return;
  try {
    const history = await api("GET", "/api/callers/history?phone=" + encodeURIComponent(event.caller));
    $("caller-place").textContent = [history.region, history.carrier].filter(Boolean).join(" · ") || "归属地未知";
    if (history.name) $("f-name").value = history.name;
    $("history-count").textContent = history.tickets.length ? `共 ${history.tickets.length} 件` : "首次来电";
    $("caller-history").replaceChildren(...history.tickets.map((t) =>
      h("li", {}, h("a", { href: "/tickets/" + t.id, target: "_blank" }, t.number),
        " ", h("span", { class: "tag" }, t.status_label), " ", t.title,
        h("span", { class: "muted" }, " " + shortTime(t.created_at)))));
  } catch (error) {
    $("caller-place").textContent = error.message;
  }
}

function transcript(event, final) {
  if (!call || event.call_id !== call.id) return;
  $("transcript-empty")?.remove();
  let partial = $("transcript-partial");
  if (!partial) {
    partial = h("p", { id: "transcript-partial", class: "partial" });
    $("transcript").append(partial);
  }
  if (final) {
    transcriptLines.push(event.text);
    partial.before(h("p", { class: "final" }, event.text));
    partial.textContent = "";
  } else {
    partial.textContent = event.text;
  }
  $("transcript").scrollTop = $("transcript").scrollHeight;
}

function onCallEvent(event) {
  switch (event.kind) {
    case "offered": popCall(event); break;
    case "answered":
      if (call && event.call_id === call.id) { $("call-status").textContent = "通话中"; $("call-panel").classList.remove("ringing"); }
      showState("on_call");
      break;
    case "transcript_partial": transcript(event, false); break;
    case "transcript_final": transcript(event, true); break;
    case "ended":
    case "abandoned":
      if (call && event.call_id === call.id) {
        $("call-status").textContent = "已挂机";
        $("call-panel").classList.remove("ringing");
        // 话后处理 keeps the next call away while the agent finishes the ticket; 示闲 ends it.
        if (event.kind === "ended") api("PUT", "/api/agent/state", { state: "after_call_work" }).then((s) => showState(s.state)).catch(() => {});
      }
      break;
    default: break;
  }
}

// ---- intake ---------------------------------------------------------------------------------------
function formBody() {
  const body = {
    content: $("f-content").value.trim(),
    ticket_type: $("f-type").value,
    grade: $("f-grade").value,
    idempotency_key: (call ? call.id : "desk") + ":" + formKey,
  };
  const optional = { contact_phone: "f-phone", contact_name: "f-name", address: "f-address", category_code: "f-category" };
  for (const [key, id] of Object.entries(optional)) {
    const value = $(id).value.trim();
    if (value) body[key] = value;
  }
  if (transcriptLines.length) body.transcript = transcriptLines.join("\n");
  return body;
}

let formKey = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
function newForm() {
  ticket = null;
  touched.clear();
  formKey = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
  $("intake-form").reset();
  $("f-category").replaceChildren(h("option", { value: "" }, "（不指定）"));
  $("suggestions").hidden = true;
  $("duplicates").hidden = true;
  $("dispatch-box").hidden = true;
  $("ticket-badge").hidden = true;
  $("intake-form").querySelectorAll("input, select, textarea, #btn-register").forEach((e) => { e.disabled = false; });
}

function chip(label, confidence, onClick) {
  return h("button", { type: "button", class: "chip", onclick: onClick }, label,
    h("span", { class: "conf" }, Math.round(confidence * 100) + "%"));
}

// A confident suggestion fills a field the agent has not chosen by hand; a weak one stays a chip.
const AUTO_APPLY = 0.3;
const touched = new Set();
["f-type", "f-category"].forEach((id) => $(id).addEventListener("change", () => touched.add(id)));

function showSuggestions(result) {
  lastSuggestions = result;
  const box = $("suggestions");
  const rows = [];
  if (result.type.length) rows.push(h("div", {}, h("b", {}, "类型："), ...result.type.map((s) => chip(s.label, s.confidence, () => { $("f-type").value = s.value; }))));
  if (result.category.length) {
    $("f-category").replaceChildren(h("option", { value: "" }, "（不指定）"),
      ...result.category.map((s) => h("option", { value: s.value }, `${s.label}（${s.value}）`)));
    rows.push(h("div", {}, h("b", {}, "分类："), ...result.category.map((s) => chip(s.label, s.confidence, () => { $("f-category").value = s.value; }))));
  }
  if (result.unit.length) rows.push(h("div", {}, h("b", {}, "承办："), ...result.unit.map((s) =>
    chip(s.label + (s.source === "rule" ? "（派单目录）" : ""), s.confidence, () => { if (s.unit_id) $("dispatch-unit").value = s.unit_id; }))));
  if (!rows.length) rows.push(h("span", { class: "muted" }, "暂无建议（模型尚未训练或内容过短）"));
  if (!touched.has("f-type") && result.type[0]?.confidence >= AUTO_APPLY) $("f-type").value = result.type[0].value;
  if (!touched.has("f-category") && result.category[0]?.confidence >= AUTO_APPLY) $("f-category").value = result.category[0].value;
  box.replaceChildren(h("h3", {}, "智能建议"), ...rows);
  box.hidden = false;
  showDuplicates(result.duplicates || []);
}

function showDuplicates(duplicates) {
  const box = $("duplicates");
  box.hidden = !duplicates.length;
  box.replaceChildren(h("h3", {}, "疑似重复工单"), ...duplicates.map((d) =>
    h("div", {}, h("a", { href: "/tickets/" + d.ticket_id, target: "_blank" }, d.number), " ",
      d.title || "", h("span", { class: "muted" }, ` 相似度 ${Math.round(d.score * 100)}% · ${d.reason === "same_caller" ? "同一来电人" : "同一地点"}`))));
}

async function preview(button) {
  const body = formBody();
  if (!body.content) { toast("请先填写诉求内容", "error"); return; }
  const request = { content: body.content };
  if (body.contact_phone) request.contact_phone = body.contact_phone;
  if (body.address) request.address = body.address;
  const result = await run(button, () => api("POST", "/api/intake/preview", request));
  if (result) showSuggestions(result);
}

$("btn-suggest").addEventListener("click", (e) => preview(e.currentTarget));
let previewTimer;
$("f-content").addEventListener("input", () => {
  clearTimeout(previewTimer);
  if ($("f-content").value.trim().length >= 8) previewTimer = setTimeout(() => preview(null), 900);
});
$("btn-new").addEventListener("click", newForm);

async function register(button) {
  const body = formBody();
  if (!body.content) { toast("请先填写诉求内容", "error"); return null; }
  const result = await run(button, () => api("POST", "/api/tickets", body));
  if (!result) return null;
  ticket = { id: result.id, number: result.number };
  $("ticket-badge").textContent = "已受理 " + result.number;
  $("ticket-badge").hidden = false;
  $("ticket-link").href = "/tickets/" + result.id;
  $("intake-form").querySelectorAll("input, select, textarea, #btn-register").forEach((e) => { e.disabled = true; });
  if (result.duplicates.length) showDuplicates(result.duplicates);
  toast("工单已登记：" + result.number);
  if (call && call.sipCallId) {  // the call's record and recording go onto the ticket
    await run(null, () => api("POST", `/api/tickets/${result.id}/calls`, { sip_call_id: call.sipCallId }));
  }
  await loadUnits();
  $("dispatch-box").hidden = false;
  return ticket;
}

$("intake-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!ticket) register($("btn-register"));
});

async function loadUnits() {
  const units = (await api("GET", "/api/units/children")).items;
  const select = $("dispatch-unit");
  select.replaceChildren(...units.map((u) => h("option", { value: u.id }, `${u.name}（${u.kind_label}）`)));
  const suggested = lastSuggestions && lastSuggestions.unit.find((s) => s.unit_id);
  if (suggested) select.value = suggested.unit_id;
}

$("btn-dispatch").addEventListener("click", async (event) => {
  if (!ticket) return;
  const select = $("dispatch-unit");
  const unitName = select.options[select.selectedIndex]?.text || "";
  const done = await run(event.currentTarget, () =>
    api("POST", `/api/tickets/${ticket.id}/actions/dispatch`, { unit_id: Number(select.value) }), "已派单至 " + unitName);
  if (done) {
    $("ticket-badge").textContent = `已派单 ${ticket.number} → ${unitName}`;
    $("dispatch-box").hidden = true;
  }
});

// ---- knowledge base -------------------------------------------------------------------------------
const GUIDE_LABELS = { conditions: "办理条件", materials: "所需材料", time_limit: "办理时限", place: "办理地点", phone: "咨询电话", fees: "收费标准" };

async function closeDirectly(button, article) {
  if (!$("f-content").value.trim()) $("f-content").value = `来电咨询：${article.title}`;
  if (!$("f-type").disabled) $("f-type").value = "consultation";
  const current = ticket || (await register(null));
  if (!current) return;
  const answer = `已依据知识库《${article.title}》答复来电人：${article.summary || ""}`.slice(0, 2000);
  const done = await run(button, () => api("POST", `/api/tickets/${current.id}/actions/close_directly`, { answer }),
    "已答复，工单直接办结");
  if (done) {
    $("ticket-badge").textContent = "已办结 " + current.number;
    $("dispatch-box").hidden = true;
  }
}

$("kb-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("kb-q").value.trim();
  if (!q) return;
  const result = await run(null, () => api("GET", "/api/knowledge?q=" + encodeURIComponent(q)));
  if (!result) return;
  const list = $("kb-results");
  if (!result.items.length) { list.replaceChildren(h("li", { class: "muted" }, "没有找到相关条目")); return; }
  list.replaceChildren(...result.items.map((article) => {
    const detail = h("div", { class: "kb-detail", hidden: true });
    return h("li", {},
      h("a", { href: "#", onclick: async (e) => {
        e.preventDefault();
        if (detail.hidden && !detail.childElementCount) {
          const full = await api("GET", "/api/knowledge/" + article.id);
          detail.append(...Object.entries(GUIDE_LABELS)
            .filter(([k]) => full[k]).map(([k, label]) => h("p", {}, h("b", {}, label + "："), full[k])));
        }
        detail.hidden = !detail.hidden;
      } }, article.title),
      h("p", { class: "muted" }, article.summary || ""),
      detail,
      h("button", { type: "button", class: "small", onclick: (e) => closeDirectly(e.currentTarget, article) }, "已答复，直接办结"));
  }));
});

// ---- start ----------------------------------------------------------------------------------------
api("GET", "/api/agent/state").then((s) => showState(s.state)).catch(() => showState("offline"));
connectLive({
  onCallEvent,
  onStatus: (status) => document.body.classList.toggle("live-offline", status === "offline"),
});
