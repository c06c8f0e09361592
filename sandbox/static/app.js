// The web chat: people and chats on the left, the open chat on the right, live through /sandbox/events (SSE).
"use strict";

const S = { state: null, chatId: null, persona: {}, thread: {}, messages: [], menu: [], asked: new Set(), answers: {} };
const $ = (id) => document.getElementById(id);

async function api(method, path, body, isForm) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    if (isForm) opts.body = body;
    else { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  }
  const resp = await fetch(`/sandbox/api${path}`, opts);
  const data = await resp.json();
  if (!data.ok) { toast(data.description || `ошибка ${resp.status}`); throw new Error(data.description); }
  return data.result;
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 3500);
}

function showAlert(text) { $("alert-text").textContent = text; $("alert").hidden = false; }

const chat = () => (S.state ? S.state.chats.find((c) => c.id === S.chatId) : null);
const user = (id) => S.state.users.find((u) => u.id === Number(id));
const isGroup = (c) => c && c.type !== "private";

function persona(c) {
  if (!c) return null;
  if (!isGroup(c)) return c.id;
  const members = Object.keys(c.members).map(Number);
  if (!members.includes(S.persona[c.id])) S.persona[c.id] = members[0];
  return S.persona[c.id];
}

async function loadState() {
  S.state = await api("GET", "/state");
  $("bot-name").textContent = `@${S.state.bot.username} · 429 ${S.state.rate_limits ? "вкл" : "выкл"}`;
  renderSide();
  if (S.chatId !== null) renderHeader();
}

function chatItem(c) {
  const name = isGroup(c) ? c.title : displayName(user(c.id));
  let sub = isGroup(c) ? `${c.is_forum ? "форум · " : ""}${Object.keys(c.members).length} участн. · бот: ${c.bot_status}` :
    `пользователь · ${(user(c.id) || {}).language_code || ""}${c.blocked ? " · бот заблокирован" : ""}`;
  if (c.migrated_to) sub = "преобразована в супергруппу";
  return el("li", { class: c.id === S.chatId ? "active" : "", "data-chat": c.id, onclick: () => openChat(c.id) },
    avatar(name, c.id), el("div", {}, el("div", { class: "name" }, name), el("div", { class: "sub" }, sub)));
}

function renderSide() {
  const priv = $("private-chats"), groups = $("group-chats");
  // people who sit in a group chat are staff: their private chats are listed apart from the users'
  const inGroups = new Set(S.state.chats.filter(isGroup).flatMap((c) => Object.keys(c.members).map(Number)));
  const privates = S.state.chats.filter((c) => !isGroup(c));
  priv.replaceChildren(...privates.filter((c) => !inGroups.has(c.id)).map(chatItem));
  $("staff-chats").replaceChildren(...privates.filter((c) => inGroups.has(c.id)).map(chatItem));
  groups.replaceChildren(...S.state.chats.filter((c) => isGroup(c) && !c.migrated_to).map(chatItem));
  $("new-group").members.replaceChildren(...S.state.users.map((u) => el("option", { value: u.id }, displayName(u))));
}

async function openChat(id) {
  S.chatId = id;
  $("empty").hidden = true;
  $("chat").hidden = false;
  $("menu").hidden = true;
  renderSide();
  renderHeader();
  await Promise.all([loadMessages(true), loadMenu()]);
  $("text").focus();
}

function renderHeader() {
  const c = chat();
  if (!c) return;
  const name = isGroup(c) ? c.title : displayName(user(c.id));
  $("chat-avatar").replaceWith(Object.assign(avatar(name, c.id), { id: "chat-avatar" }));
  $("chat-name").textContent = name;
  $("chat-sub").textContent = isGroup(c) ? `${c.type === "supergroup" ? "супергруппа" : "группа"}${c.is_forum ? " с темами" : ""} · бот: ${c.bot_status}`
    : "личный чат с ботом — вы пишете как этот пользователь";
  const tools = [];
  if (c.is_forum) tools.push(el("button", { onclick: newTopic }, "+ тема"));
  if (c.type === "group") tools.push(el("button", { onclick: () => api("POST", `/chats/${c.id}/migrate`).then(loadState) }, "В супергруппу"));
  if (isGroup(c)) tools.push(el("button", { onclick: addMember }, "+ участник"));
  if (isGroup(c)) {
    const present = !["left", "kicked"].includes(c.bot_status);
    tools.push(el("button", { onclick: () => api("POST", `/chats/${c.id}/bot`, { status: present ? "left" : "administrator", actor_id: persona(c) }) },
      present ? "Удалить бота" : "Добавить бота"));
  } else {
    tools.push(el("button", { onclick: () => api("POST", `/users/${c.id}/block`, { blocked: !c.blocked }) }, c.blocked ? "Разблокировать бота" : "Заблокировать бота"));
  }
  $("chat-tools").replaceChildren(...tools);
  const box = $("personas");
  if (isGroup(c)) {
    const me = persona(c);
    box.replaceChildren(el("span", { class: "label" }, "Пишу как:"), ...Object.entries(c.members).map(([uid, status]) =>
      el("button", { class: `chip ${Number(uid) === me ? "active" : ""}`, "data-persona": uid, title: status,
        onclick: () => { S.persona[c.id] = Number(uid); renderHeader(); renderMessages(); loadMenu(); } },
      displayName(user(uid)))));
  } else box.replaceChildren();
  renderTopics(c);
  renderKeyboard(c);
}

function renderTopics(c) {
  const nav = $("topics");
  nav.hidden = !c.is_forum;
  if (!c.is_forum) return;
  const current = S.thread[c.id] || 0;
  const tab = (tid, label) => el("button", { class: tid === current ? "active" : "", "data-thread": tid,
    onclick: () => { S.thread[c.id] = tid; renderTopics(c); renderMessages(true); } }, label);
  nav.replaceChildren(tab(0, "# Общая"), ...c.topics.map((t) => tab(t.message_thread_id, `${t.closed ? "🔒 " : "# "}${t.name}`)));
}

function renderKeyboard(c) {
  const box = $("reply-keyboard");
  const rows = (c.keyboard && c.keyboard.keyboard) || [];
  box.hidden = !rows.length;
  box.replaceChildren(...rows.map((row) => el("div", { class: "row" },
    ...row.map((b) => el("button", { type: "button", onclick: () => say(typeof b === "string" ? b : b.text) }, typeof b === "string" ? b : b.text)))));
}

async function loadMessages(scroll) {
  if (S.chatId === null) return;
  const id = S.chatId;
  const msgs = await api("GET", `/chats/${id}/messages`);
  if (id !== S.chatId) return;
  S.messages = msgs;
  renderMessages(scroll);
}

function renderMessages(scroll) {
  const c = chat();
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const thread = c.is_forum ? (S.thread[c.id] || 0) : 0;
  const shown = S.messages.filter((m) => !c.is_forum || (m.message_thread_id || 0) === thread);
  const opts = { personaId: persona(c), group: isGroup(c), onPress: press, onEdit: editMessage };
  box.replaceChildren(...shown.map((m) => renderMessage(m, opts)));
  if (scroll || atBottom) box.scrollTop = box.scrollHeight;
  const pin = c.pinned.length ? S.messages.find((m) => m.message_id === c.pinned[c.pinned.length - 1]) : null;
  $("pinned").hidden = !pin;
  if (pin) {
    $("pinned").textContent = `📌 ${(pin.text || pin.caption || "вложение").slice(0, 120)}`;
    $("pinned").onclick = () => flash(pin.message_id);
  }
  $("start-bar").hidden = isGroup(c) || S.messages.length > 0;
}

function flash(mid) {
  const node = $("messages").querySelector(`[data-id="${mid}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center" });
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1200);
}

async function loadMenu() {
  const c = chat();
  if (!c) return;
  S.menu = await api("GET", `/chats/${c.id}/menu?user_id=${persona(c)}`);
  $("menu-btn").hidden = !S.menu.length;
  $("menu").replaceChildren(...S.menu.map((cmd) => el("div", { onclick: () => { $("menu").hidden = true; say(`/${cmd.command}`); } },
    el("b", {}, `/${cmd.command}`), cmd.description)));
}

async function say(text) {
  const c = chat();
  if (!c || !text.trim()) return;
  const thread = c.is_forum ? (S.thread[c.id] || null) : null;
  await api("POST", `/chats/${c.id}/messages`, { from_id: persona(c), text, thread_id: thread });
}

async function editMessage(m) {
  const text = prompt("Новый текст сообщения", m.text);
  if (text === null || text === m.text) return;
  await api("POST", `/chats/${S.chatId}/messages/${m.message_id}/edit`, { from_id: persona(chat()), text });
}

async function press(m, b) {
  const c = chat();
  const { query_id: qid } = await api("POST", `/chats/${c.id}/press`, { from_id: persona(c), message_id: m.message_id, data: b.callback_data });
  S.asked.add(qid);
  if (S.answers[qid]) showAnswer(S.answers[qid]);
}

function showAnswer(a) {
  S.asked.delete(a.query_id);
  if (!a.text) return;
  if (a.show_alert) showAlert(a.text); else toast(a.text);
}

async function upload(file) {
  const c = chat();
  const form = new FormData();
  form.append("from_id", persona(c));
  form.append("file", file);
  form.append("as_photo", file.type.startsWith("image/") ? "true" : "false");
  const caption = $("text").value.trim();
  if (caption) { form.append("caption", caption); $("text").value = ""; }
  if (c.is_forum && S.thread[c.id]) form.append("thread_id", S.thread[c.id]);
  await api("POST", `/chats/${c.id}/files`, form, true);
}

async function newTopic() {
  const name = prompt("Название темы");
  if (name) await api("POST", `/chats/${S.chatId}/topics`, { from_id: persona(chat()), name });
}

async function addMember() {
  const c = chat();
  const others = S.state.users.filter((u) => !(String(u.id) in c.members));
  const pick = prompt(`Кого добавить? Номер:\n${others.map((u, i) => `${i + 1}. ${displayName(u)}`).join("\n")}`);
  const u = others[Number(pick) - 1];
  if (u) await api("POST", `/chats/${c.id}/members`, { user_id: u.id });
}

let pending = null;
function soon(fn) { clearTimeout(pending); pending = setTimeout(fn, 40); }

function listen() {
  const es = new EventSource("/sandbox/events");
  es.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    if (["message", "edit", "delete"].includes(e.type) && e.chat_id === S.chatId) soon(() => loadMessages(false));
    else if (e.type === "chat") loadState();
    else if (e.type === "commands") loadMenu();
    else if (e.type === "callback_answer") {
      S.answers[e.query_id] = e;
      if (S.asked.has(e.query_id)) showAnswer(e);
    }
  };
  es.onopen = () => { loadState(); if (S.chatId !== null) loadMessages(false); };
}

function wire() {
  $("composer").addEventListener("submit", (ev) => { ev.preventDefault(); const t = $("text").value; $("text").value = ""; say(t); });
  $("file").addEventListener("change", (ev) => { const f = ev.target.files[0]; if (f) upload(f); ev.target.value = ""; });
  $("menu-btn").addEventListener("click", () => { $("menu").hidden = !$("menu").hidden; });
  $("start-btn").addEventListener("click", () => say("/start"));
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  $("new-user-toggle").addEventListener("click", () => { $("new-user").hidden = !$("new-user").hidden; });
  $("new-group-toggle").addEventListener("click", () => { $("new-group").hidden = !$("new-group").hidden; });
  $("new-user").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const u = await api("POST", "/users", { first_name: f.first_name.value, last_name: f.last_name.value || null, language_code: f.language_code.value });
    f.reset(); f.hidden = true;
    await loadState();
    openChat(u.id);
  });
  $("new-group").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const members = [...f.members.selectedOptions].map((o) => Number(o.value));
    if (!members.length) { toast("Выберите хотя бы одного участника"); return; }
    const g = await api("POST", "/groups", { title: f.title.value, forum: f.forum.checked, member_ids: members });
    f.reset(); f.hidden = true;
    await loadState();
    openChat(g.id);
  });
}

wire();
loadState().then(listen);
