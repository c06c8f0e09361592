// Rendering of Bot API messages: text with entities (UTF-16 offsets, as JavaScript strings count), media,
// inline keyboards and service messages. No HTML from the bot is ever inserted as markup: entities build the DOM.
"use strict";

const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

function colorOf(id) { return COLORS[Math.abs(Number(id)) % COLORS.length]; }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function avatar(name, id) {
  return el("div", { class: "avatar", style: `background:${colorOf(id)}` }, (name || "?").trim().charAt(0).toUpperCase());
}

function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function entityNode(e, text) {
  switch (e.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre", { "data-language": e.language });
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const s = el("span", { class: "spoiler", title: "Спойлер: нажмите, чтобы показать" });
      s.addEventListener("click", () => s.classList.add("shown"));
      return s;
    }
    case "text_link": case "url": {
      const href = safeUrl(e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url);
      return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : el("span");
    }
    default: return el("span", { class: `entity-${e.type}` });
  }
}

function renderText(text, entities) {
  const frag = document.createDocumentFragment();
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(parent, start, end, list) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const e = list[i];
      const eEnd = Math.min(e.offset + e.length, end);
      if (e.offset > pos) parent.append(text.slice(pos, e.offset));
      const inner = [];
      i += 1;
      while (i < list.length && list[i].offset < eEnd) { inner.push(list[i]); i += 1; }
      const node = entityNode(e, text);
      build(node, Math.max(e.offset, pos), eEnd, inner);
      parent.append(node);
      pos = Math.max(pos, eEnd);
    }
    if (pos < end) parent.append(text.slice(pos, end));
  }
  build(frag, 0, (text || "").length, sorted);
  return frag;
}

function displayName(user) {
  if (!user) return "?";
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function serviceText(m) {
  const who = displayName(m.from);
  if (m.forum_topic_created) return `Тема «${m.forum_topic_created.name}» создана`;
  if (m.forum_topic_edited) return `Тема переименована: «${m.forum_topic_edited.name || ""}»`;
  if (m.forum_topic_closed) return "Тема закрыта";
  if (m.forum_topic_reopened) return "Тема снова открыта";
  if (m.pinned_message) {
    const t = (m.pinned_message.text || m.pinned_message.caption || "").slice(0, 60);
    return `${who} закрепил(а) «${t}»`;
  }
  if (m.migrate_to_chat_id) return "Группа преобразована в супергруппу";
  if (m.migrate_from_chat_id) return "Супергруппа создана из группы";
  if (m.new_chat_members) return `${who} добавил(а) ${m.new_chat_members.map(displayName).join(", ")}`;
  return null;
}

function timeOf(ts) {
  return new Date(ts * 1000).toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
}

function inlineKeyboard(markup, onPress) {
  const rows = (markup && markup.inline_keyboard) || [];
  if (!rows.length) return null;
  const box = el("div", { class: "inline-kb" });
  for (const row of rows) {
    const r = el("div", { class: "row" });
    for (const b of row) {
      if (b.url && safeUrl(b.url)) r.append(el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer" }, `${b.text} ↗`));
      else if (b.callback_data !== undefined) r.append(el("button", { type: "button", onclick: () => onPress(b) }, b.text));
      else r.append(el("button", { type: "button", disabled: "disabled", title: "Этот вид кнопки песочница не поддерживает" }, b.text));
    }
    box.append(r);
  }
  return box;
}

function renderMessage(m, opts) {
  const service = serviceText(m);
  if (service) return el("div", { class: "service", "data-id": m.message_id }, service);
  const isBot = m.from && m.from.is_bot;
  const mine = m.from && opts.personaId === m.from.id;
  const bubble = el("div", { class: "bubble" });
  if (opts.group && !mine) bubble.append(el("div", { class: "author", style: `color:${colorOf(m.from.id)}` }, displayName(m.from)));
  if (m.reply_to_message && !m.reply_to_message.forum_topic_created) {
    const q = m.reply_to_message;
    bubble.append(el("blockquote", {}, `${displayName(q.from)}: ${(q.text || q.caption || "").slice(0, 80)}`));
  }
  if (m.photo && m.photo.length) {
    const p = m.photo[m.photo.length - 1];
    bubble.append(el("a", { href: `/sandbox/files/${p.file_id}`, target: "_blank" }, el("img", { src: `/sandbox/files/${p.file_id}`, alt: "фото" })));
  }
  if (m.document) {
    const d = m.document;
    bubble.append(el("a", { class: "doc", href: `/sandbox/files/${d.file_id}`, download: d.file_name || "file" },
      el("span", { class: "icon" }, "⬇"),
      el("span", {}, el("div", {}, d.file_name || "файл"), el("div", { class: "sub" }, `${Math.ceil((d.file_size || 0) / 1024)} КБ`))));
  }
  for (const kind of ["voice", "audio"]) {  // a voice note or an audio file: played in place, downloadable
    const a = m[kind];
    if (!a) continue;
    const label = kind === "voice" ? "🎤 голосовое" : `🎵 ${a.title || a.file_name || "аудио"}`;
    bubble.append(el("div", { class: "doc" }, el("span", {}, label),
      el("audio", { controls: "", preload: "none", src: `/sandbox/files/${a.file_id}` })));
  }
  if (m.text !== undefined) bubble.append(renderText(m.text, m.entities));
  if (m.caption !== undefined) bubble.append(el("div", {}, renderText(m.caption, m.caption_entities)));
  const meta = el("div", { class: "meta" }, `${m.edit_date ? "изменено " : ""}${timeOf(m.edit_date || m.date)}`);
  if (mine && !isBot && m.text !== undefined && opts.onEdit) {
    meta.prepend(el("button", { type: "button", class: "edit", title: "Изменить сообщение (edited_message)",
      onclick: () => opts.onEdit(m) }, "изменить"), " ");
  }
  bubble.append(meta);
  const kb = inlineKeyboard(m.reply_markup, (b) => opts.onPress(m, b));
  return el("div", { class: `msg ${mine ? "mine" : ""} ${isBot ? "bot" : ""}`, "data-id": m.message_id }, bubble, kb);
}
