// Admin console: one tab per part of the admin JSON API (/api/admin/*). Every change is an API call;
// the server validates it, audits it and answers errors with a Chinese message and a stable code.
import { api, h, run, shortTime, toast } from "./api.js";

const choices = JSON.parse(document.getElementById("admin-choices").textContent);
const section = document.getElementById("admin-section");
const STAGES = [["dispatch", "派单"], ["sign", "签收"], ["reply", "答复/办结"]];
const LIMIT_UNITS = [["clock_minutes", "自然分钟"], ["working_minutes", "工作分钟"], ["working_days", "工作日"]];
const SETTINGS = {
  max_extensions: "可申请延期次数",
  max_extension_working_days: "单次延期最长工作日",
  return_window_working_days: "可退单期限（工作日）",
  returns_before_arbitration: "退单几次后由市级平台裁定",
  warning_share: "黄牌预警：已用时限比例",
  warning_working_days_before: "黄牌预警：到期前工作日数",
};
const ARTICLE_TEXTS = [
  ["title", "标题", "text"], ["summary", "事项说明", "textarea"], ["basis", "政策依据", "textarea"],
  ["conditions", "办理条件", "textarea"], ["materials", "所需材料", "textarea"],
  ["time_limit", "办理时限", "text"], ["place", "办理地点", "textarea"], ["phone", "咨询电话", "text"],
  ["fees", "收费标准", "textarea"], ["keywords", "关键词（空格分隔）", "text"],
];
const labelOf = (pairs, value) => (pairs.find(([v]) => v === value) || [value, value])[1];
const gradeLabel = (grade) => (grade === "complex" ? "复杂件" : labelOf(choices.grades, grade));

// ---- the edit dialog: fields → values; `save` is the API call, its errors stay in the dialog ----
const dialog = document.getElementById("admin-dialog");
document.getElementById("admin-dialog-cancel").addEventListener("click", () => dialog.close());

function input(field) {
  const common = { name: field.name, required: field.required, id: "f-" + field.name };
  if (field.type === "select") {
    const options = (field.optional ? [["", "（无）"]] : []).concat(field.options);
    const select = h("select", common, options.map(([v, text]) => h("option", { value: v }, text)));
    select.value = field.value ?? (field.optional ? "" : options[0][0]);
    return select;
  }
  if (field.type === "textarea") return h("textarea", { ...common, rows: 3 }, field.value ?? "");
  if (field.type === "checkbox") return h("input", { ...common, type: "checkbox", checked: !!field.value });
  return h("input", { ...common, type: field.type || "text", value: field.value ?? "", step: field.step,
    placeholder: field.placeholder, autocomplete: "off" });
}

function ask(title, fields, save) {
  document.getElementById("admin-dialog-title").textContent = title;
  const box = document.getElementById("admin-dialog-fields");
  const errorLine = document.getElementById("admin-dialog-error");
  box.replaceChildren(...fields.map((f) =>
    f.type === "checkbox"
      ? h("label", { class: "check" }, input(f), f.label)
      : h("label", {}, f.label + (f.required ? " *" : ""), input(f))));
  errorLine.textContent = "";
  const form = document.getElementById("admin-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const values = {};
    for (const f of fields) {
      const node = form.elements[f.name];
      if (f.type === "checkbox") values[f.name] = node.checked;
      else if (f.type === "number") values[f.name] = node.value === "" ? null : Number(node.value);
      else values[f.name] = node.value.trim() === "" ? null : node.value.trim();
    }
    try {
      await save(values);
      dialog.close();
      await show();
    } catch (error) {
      errorLine.textContent = error.code ? `${error.message}（${error.code}）` : String(error);
    }
  };
  dialog.showModal();
}

// Drops empty optional values so that the server keeps its defaults.
const filled = (values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));

function table(headers, rows) {
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", {}, text)))),
    h("tbody", {}, rows));
}

function actions(...buttons) {
  return h("td", {}, h("div", { class: "button-row" }, buttons));
}

function button(text, onclick, cls = "small") {
  return h("button", { class: cls, type: "button", onclick }, text);
}

function toggle(item, url, noun) {
  const text = item.active ? "停用" : "启用";
  return button(text, (event) => run(event.target, async () => {
    await api("PATCH", url, { active: !item.active });
    await show();
  }, `${noun}已${text}`), item.active ? "small danger" : "small");
}

function toolbar(...children) {
  return h("div", { class: "button-row", style: "margin-bottom:8px" }, children);
}

function oneTimePassword(username, password) {
  return h("div", { class: "once", role: "alert" }, `用户 ${username} 的初始密码（只显示这一次，请转交本人）：`,
    h("code", {}, password));
}

// ---- 组织机构 ----
function depthFirst(items) {
  const children = new Map();
  for (const unit of items) {
    const key = unit.parent_id ?? 0;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(unit);
  }
  const ordered = [];
  const walk = (parent, depth) => {
    for (const unit of children.get(parent) || []) {
      ordered.push([unit, depth]);
      walk(unit.id, depth + 1);
    }
  };
  walk(0, 0);
  return ordered;
}

function unitFields(unit) {
  return [
    { name: "name", label: "名称", required: true, value: unit?.name },
    { name: "phone", label: "联系电话", value: unit?.phone },
  ];
}

async function units() {
  const { items } = await api("GET", "/api/admin/units");
  const addChild = (parent) => ask(`新增下级单位 · ${parent.name}`, [
    { name: "code", label: "编码", required: true },
    ...unitFields(null),
    { name: "kind", label: "类型", type: "select", options: choices.kinds },
  ], (v) => api("POST", "/api/admin/units", filled({ ...v, parent_id: parent.id })));
  const rows = depthFirst(items).map(([unit, depth]) => h("tr", { class: unit.active ? "" : "inactive" },
    h("td", {}, h("span", { class: "tree-indent", style: `width:${depth * 20}px` }), unit.name),
    h("td", {}, unit.code), h("td", {}, unit.kind_label), h("td", {}, unit.phone || "—"),
    actions(
      button("新增下级", () => addChild(unit)),
      button("修改", () => ask(`修改单位 · ${unit.code}`, unitFields(unit),
        (v) => api("PATCH", `/api/admin/units/${unit.id}`, { name: v.name, phone: v.phone || "" }))),
      toggle(unit, `/api/admin/units/${unit.id}`, "单位"),
    )));
  section.replaceChildren(h("h2", {}, `组织机构（${items.length} 个单位）`),
    table(["名称", "编码", "类型", "电话", "操作"], rows));
}

// ---- 用户 ----
async function users() {
  const [{ items }, { items: unitItems }] = await Promise.all([
    api("GET", "/api/admin/users"), api("GET", "/api/admin/units")]);
  const unitOptions = depthFirst(unitItems).map(([u, d]) => [u.code, "　".repeat(d) + u.name]);
  const notice = h("div");
  const create = () => ask("新增用户", [
    { name: "username", label: "用户名（字母、数字、点）", required: true },
    { name: "display_name", label: "姓名" },
    { name: "role", label: "角色", type: "select", options: choices.roles },
    { name: "unit_code", label: "所属单位", type: "select", options: unitOptions },
    { name: "sip_uri", label: "话机 SIP 地址（座席、领导）", placeholder: "sip:8001@10.0.0.20" },
    { name: "password", label: "初始密码（留空则自动生成）", type: "password" },
  ], async (v) => {
    const created = await api("POST", "/api/admin/users", filled(v));
    if (created.password) sessionStorage.setItem("admin-once", JSON.stringify([created.username, created.password]));
    toast(`已新增用户 ${created.username}`);
  });
  const reset = (user) => ask(`重置密码 · ${user.username}`, [
    { name: "password", label: "新密码（留空则自动生成；用户已登录的会话将失效）", type: "password" },
  ], async (v) => {
    const done = await api("POST", `/api/admin/users/${user.id}/password`, filled(v));
    if (done.password) sessionStorage.setItem("admin-once", JSON.stringify([user.username, done.password]));
    toast(`已重置 ${user.username} 的密码`);
  });
  const once = sessionStorage.getItem("admin-once");
  if (once) {
    notice.append(oneTimePassword(...JSON.parse(once)));
    sessionStorage.removeItem("admin-once");
  }
  const rows = items.map((user) => h("tr", { class: user.active ? "" : "inactive" },
    h("td", {}, user.username), h("td", {}, user.display_name), h("td", {}, user.role_label),
    h("td", {}, user.unit_name), h("td", {}, user.sip_uri || "—"),
    h("td", {}, user.locked_until ? `锁定至 ${shortTime(user.locked_until)}` : ""),
    actions(
      button("修改", () => ask(`修改用户 · ${user.username}`,
        [{ name: "display_name", label: "姓名", required: true, value: user.display_name }],
        (v) => api("PATCH", `/api/admin/users/${user.id}`, v))),
      button("重置密码", () => reset(user)),
      toggle(user, `/api/admin/users/${user.id}`, "用户"),
    )));
  section.replaceChildren(h("h2", {}, `用户（${items.length}）`), notice,
    toolbar(button("新增用户", create, "primary")),
    table(["用户名", "姓名", "角色", "单位", "话机", "", "操作"], rows));
}

// ---- 业务分类 ----
async function categories() {
  const { items } = await api("GET", "/api/admin/categories");
  const create = () => ask("新增分类", [
    { name: "code", label: "编码（2/4/6 位数字，上级须已存在）", required: true },
    { name: "name", label: "名称", required: true },
  ], (v) => api("POST", "/api/admin/categories", v));
  const rows = items.map((c) => h("tr", { class: c.active ? "" : "inactive" },
    h("td", {}, h("span", { class: "tree-indent", style: `width:${(c.level - 1) * 20}px` }), c.code),
    h("td", {}, c.name),
    actions(
      button("改名", () => ask(`修改分类 · ${c.code}`, [{ name: "name", label: "名称", required: true, value: c.name }],
        (v) => api("PATCH", `/api/admin/categories/${c.code}`, v))),
      toggle(c, `/api/admin/categories/${c.code}`, "分类"),
    )));
  section.replaceChildren(h("h2", {}, `业务分类（${items.length}）`), toolbar(button("新增分类", create, "primary")),
    table(["编码", "名称", "操作"], rows));
}

// ---- 派单规则 ----
async function rules() {
  const [{ items }, { items: unitItems }, { items: categoryItems }] = await Promise.all([
    api("GET", "/api/admin/rules"), api("GET", "/api/admin/units"), api("GET", "/api/admin/categories")]);
  const unitName = new Map(unitItems.map((u) => [u.id, u.name]));
  const categoryName = new Map(categoryItems.map((c) => [c.code, c.name]));
  const ordered = depthFirst(unitItems).filter(([u]) => u.active);
  const unitOptions = ordered.map(([u, d]) => [u.code, "　".repeat(d) + u.name]);
  const create = () => ask("新增派单规则", [
    { name: "category_prefix", label: "分类编码前缀", required: true },
    { name: "area_code", label: "区域（不选则适用全市）", type: "select", optional: true,
      options: ordered.filter(([u]) => ["district", "street"].includes(u.kind)).map(([u, d]) => [u.code, "　".repeat(d) + u.name]) },
    { name: "unit_code", label: "承办单位", type: "select", options: unitOptions },
    { name: "priority", label: "优先级（小者优先）", type: "number", value: 100 },
  ], (v) => api("POST", "/api/admin/rules", filled(v)));
  const rows = items.map((r) => h("tr", { class: r.active ? "" : "inactive" },
    h("td", {}, r.category_prefix, " ", h("span", { class: "muted" }, categoryName.get(r.category_prefix) || "")),
    h("td", {}, r.area_unit_id ? unitName.get(r.area_unit_id) : "全市"),
    h("td", {}, unitName.get(r.unit_id) || r.unit_id), h("td", {}, r.priority),
    actions(
      button("优先级", () => ask("修改优先级", [{ name: "priority", label: "优先级", type: "number", required: true, value: r.priority }],
        (v) => api("PATCH", `/api/admin/rules/${r.id}`, v))),
      toggle(r, `/api/admin/rules/${r.id}`, "规则"),
    )));
  section.replaceChildren(h("h2", {}, `派单规则（${items.length}）`), toolbar(button("新增规则", create, "primary")),
    table(["分类", "区域", "承办单位", "优先级", "操作"], rows));
}

// ---- 时限政策 ----
async function policy() {
  const { limits, settings } = await api("GET", "/api/admin/policy");
  const gradeOrder = ["urgent", "important", "normal", "complex"];
  const stageOrder = STAGES.map(([stage]) => stage);
  limits.sort((a, b) => gradeOrder.indexOf(a.grade) - gradeOrder.indexOf(b.grade)
    || stageOrder.indexOf(a.stage) - stageOrder.indexOf(b.stage));
  const limitRows = limits.map((l) => h("tr", {},
    h("td", {}, gradeLabel(l.grade)), h("td", {}, labelOf(STAGES, l.stage)),
    h("td", {}, `${l.amount} ${labelOf(LIMIT_UNITS, l.unit)}`), h("td", { class: "muted" }, l.default ? "默认" : "已调整"),
    actions(button("修改", () => ask(`${gradeLabel(l.grade)} · ${labelOf(STAGES, l.stage)}时限`, [
      { name: "amount", label: "时长", type: "number", required: true, value: l.amount },
      { name: "unit", label: "单位", type: "select", options: LIMIT_UNITS, value: l.unit },
    ], (v) => api("PUT", `/api/admin/policy/limits/${l.grade}/${l.stage}`, v))))));
  const settingRows = settings.map((s) => h("tr", {},
    h("td", {}, SETTINGS[s.key] || s.key), h("td", {}, s.value), h("td", { class: "muted" }, s.default ? "默认" : "已调整"),
    actions(button("修改", () => ask(SETTINGS[s.key] || s.key, [
      { name: "value", label: "取值", type: "number", step: "any", required: true, value: s.value },
    ], (v) => api("PUT", `/api/admin/policy/settings/${s.key}`, v))))));
  section.replaceChildren(h("h2", {}, "办理时限"), table(["紧急程度", "环节", "时限", "", "操作"], limitRows),
    h("h2", { style: "margin-top:14px" }, "督办与退单参数"), table(["参数", "取值", "", "操作"], settingRows));
}

// ---- 工作日历 ----
let calendarYear = new Date().getFullYear();

async function calendar() {
  const { items } = await api("GET", `/api/admin/calendar?year=${calendarYear}`);
  const weekend = (iso) => [0, 6].includes(new Date(iso + "T00:00:00").getDay());
  const special = items.filter((d) => d.source === "admin" || d.is_workday === weekend(d.day));
  const year = h("select", { onchange: async (e) => { calendarYear = Number(e.target.value); await show(); } },
    [calendarYear - 1, calendarYear, calendarYear + 1].map((y) => h("option", { value: y, selected: y === calendarYear }, `${y} 年`)));
  const setDay = (day) => ask("设置日期", [
    { name: "day", label: "日期", type: "date", required: true, value: day?.day },
    { name: "is_workday", label: "类型", type: "select", value: day ? String(day.is_workday) : "false",
      options: [["false", "休息日（节假日）"], ["true", "工作日（调休上班）"]] },
    { name: "name", label: "名称（如 春节）", value: day?.name },
  ], (v) => api("PUT", `/api/admin/calendar/${v.day}`, filled({ is_workday: v.is_workday === "true", name: v.name })));
  const rows = special.map((d) => h("tr", {},
    h("td", {}, d.day), h("td", {}, d.is_workday ? "工作日（调休）" : "休息日"), h("td", {}, d.name || ""),
    h("td", { class: "muted" }, d.source === "admin" ? "管理员设置" : "法定日历"),
    actions(button("修改", () => setDay(d)))));
  section.replaceChildren(h("h2", {}, "工作日历 ", year),
    h("p", { class: "muted" }, "列出节假日与调休上班日；其余周一至周五为工作日。时限按此日历与办公时间计算。"),
    toolbar(button("设置日期", () => setDay(null), "primary")),
    rows.length ? table(["日期", "类型", "名称", "来源", "操作"], rows) : h("p", { class: "empty" }, "该年份尚无日历数据"));
}

// ---- 知识库 ----
async function knowledge() {
  const { items } = await api("GET", "/api/admin/knowledge?per_page=200");
  const edit = (article) => ask(article ? `修改知识条目 · ${article.id}` : "新增知识条目", [
    ...ARTICLE_TEXTS.map(([name, label, type]) => ({ name, label, type, value: article?.[name], required: name === "title" })),
    { name: "category_code", label: "业务分类编码", value: article?.category_code },
    { name: "active", label: "启用", type: "checkbox", value: article ? article.active : true },
  ], (v) => {
    const body = { ...v };
    for (const [name] of ARTICLE_TEXTS) if (body[name] === null && name !== "title") body[name] = "";
    if (body.category_code === null) delete body.category_code;
    return article ? api("PATCH", `/api/admin/knowledge/${article.id}`, body) : api("POST", "/api/admin/knowledge", body);
  });
  const rows = items.map((a) => h("tr", { class: a.active ? "" : "inactive" },
    h("td", {}, a.id), h("td", {}, a.title), h("td", {}, a.category_code || "—"), h("td", {}, shortTime(a.updated_at)),
    actions(button("修改", () => edit(a)))));
  section.replaceChildren(h("h2", {}, `知识库（${items.length}）`), toolbar(button("新增条目", () => edit(null), "primary")),
    table(["编号", "标题", "分类", "更新时间", "操作"], rows));
}

// ---- 操作审计 ----
let auditPage = 1;

function summary(value) {
  if (value === null || value === undefined) return "—";
  const text = JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 117) + "…" : text;
}

async function audit() {
  const data = await api("GET", `/api/admin/audit?page=${auditPage}&per_page=50`);
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const go = (page) => async () => { auditPage = page; await show(); };
  const rows = data.items.map((e) => h("tr", {},
    h("td", {}, shortTime(e.created_at)), h("td", {}, e.actor), h("td", {}, e.action),
    h("td", {}, `${e.entity} ${e.entity_id ?? ""}`), h("td", { class: "title" }, summary(e.before)),
    h("td", { class: "title" }, summary(e.after))));
  section.replaceChildren(h("h2", {}, `操作审计（共 ${data.total} 条）`),
    table(["时间", "操作人", "操作", "对象", "修改前", "修改后"], rows),
    toolbar(button("上一页", go(auditPage - 1)), `第 ${auditPage} / ${pages} 页`, button("下一页", go(auditPage + 1))));
  const [prev, next] = section.querySelectorAll(".button-row:last-child button");
  prev.disabled = auditPage <= 1;
  next.disabled = auditPage >= pages;
}

const TABS = { units, users, categories, rules, policy, calendar, knowledge, audit };

async function show() {
  const tab = TABS[location.hash.slice(1)] ? location.hash.slice(1) : "units";
  for (const link of document.querySelectorAll("#admin-tabs a")) link.classList.toggle("active", link.dataset.tab === tab);
  try {
    await TABS[tab]();
  } catch (error) {
    section.replaceChildren(h("p", { class: "error" }, error.code ? `${error.message}（${error.code}）` : String(error)));
  }
}

window.addEventListener("hashchange", show);
show();
