// The agent console: the queue (left), the conversation (middle), the user's context
// (right). Every piece of user, bot or agent text is inserted with textContent, never as
// HTML. The queue and the open conversation are polled; new tickets and messages get an
// unread mark and the page title counts them ("(2) Agent console").
"use strict";

const $ = (id) => document.getElementById(id);
const TITLE = "Agent console";
const LANGUAGE_NAMES = { ru: "Russian", nb: "Norwegian", fr: "French", it: "Italian", en: "English" };
const CLICK_WORDS = { "/affirm": "Yes", "/deny": "No", "/kb_helpful": "👍", "/kb_not_helpful": "👎" };

let me = null;           // the logged-in agent
let current = null;      // the open ticket (detail)
let lastMessage = 0;     // the last live message shown
let queue = [];          // the queue as last polled
const seen = new Map();  // ticket id -> the last message id the agent has seen
let firstQueue = true;   // tickets already there at login are not "new"

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    ...options,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.detail && typeof body.detail === "string" ? body.detail : String(response.status));
    error.status = response.status;
    throw error;
  }
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function languageBadge(code) {
  const badge = el("span", (code || "?").toUpperCase(), "lang");
  badge.title = LANGUAGE_NAMES[code] || "language not recorded";
  badge.setAttribute("aria-label", `in ${LANGUAGE_NAMES[code] || "an unrecorded language"}`);
  return badge;
}

function readableDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

// One line of a log: the language, who, and the text (or a card).
function line(list, who, text, options = {}) {
  const item = el("li", null, options.className);
  item.appendChild(languageBadge(options.lang));
  item.appendChild(el("span", who, "who"));
  if (options.card) {
    const card = el("span", null, "card");
    card.appendChild(el("strong", `Article: ${options.card.title}`));
    card.appendChild(document.createTextNode(` — ${options.card.summary || ""} `));
    card.appendChild(el("code", options.card.url));
    item.appendChild(card);
  } else {
    item.appendChild(document.createTextNode(text));
  }
  list.appendChild(item);
  return item;
}

// What the user saw for a click: the title the assistant stored, or for an old ticket a
// readable form of the payload ("/affirm" -> "Yes", "video_quality" -> "video quality").
function transcriptText(entry) {
  const text = String(entry.text || "");
  if (entry.from !== "user") return { text, click: false };
  if (entry.payload) return { text: `Clicked “${text}”`, click: true };
  if (text.startsWith("/")) {
    const word = CLICK_WORDS[text] || text.slice(1).split("{")[0].replace(/_/g, " ");
    return { text: `Clicked “${word}”`, click: true };
  }
  return { text, click: false };
}

// ---- the queue -------------------------------------------------------------------------

function unread(ticket) {
  if (current && current.id === ticket.id && !document.hidden) return false;
  if (!seen.has(ticket.id)) return true;
  return ticket.last_message_id > seen.get(ticket.id);
}

function updateTitle() {
  const count = queue.filter(unread).length;
  document.title = count ? `(${count}) ${TITLE}` : TITLE;
  const badge = $("unread-count");
  badge.hidden = !count;
  badge.textContent = count ? `${count} unread` : "";
}

async function refreshQueue() {
  queue = await api("/api/tickets");
  if (firstQueue) {
    for (const ticket of queue) seen.set(ticket.id, ticket.last_message_id);
    firstQueue = false;
  }
  const list = $("queue");
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.ticket : null;
  list.replaceChildren();
  for (const ticket of queue) {
    const item = el("li");
    const button = el("button", null, "ticket-item");
    button.type = "button";
    button.dataset.ticket = ticket.id;
    if (ticket.breached) button.classList.add("breached");
    const isUnread = unread(ticket);
    if (isUnread) button.classList.add("unread");
    if (current && current.id === ticket.id) button.setAttribute("aria-current", "true");
    const head = el("span", null, "ticket-id");
    head.appendChild(el("span", ticket.priority, ticket.priority));
    head.appendChild(document.createTextNode(` ${ticket.id}`));
    button.appendChild(head);
    button.appendChild(el("span", `${ticket.user_name} (${ticket.plan})`));
    const languages = ticket.language === ticket.agent_language
      ? LANGUAGE_NAMES[ticket.language] || ticket.language
      : `writes ${LANGUAGE_NAMES[ticket.language] || ticket.language}, answer in ${LANGUAGE_NAMES[ticket.agent_language] || ticket.agent_language}`;
    button.appendChild(el("span", languages, "hint"));
    const status = ticket.claimed_by ? `${ticket.status} by ${ticket.claimed_by_name || ticket.claimed_by}` : "waiting";
    button.appendChild(el("span", `${status} · due ${readableDate(ticket.first_response_due)}${ticket.breached ? " — BREACHED" : ""}`, "hint"));
    if (isUnread) button.appendChild(el("span", "new activity", "visually-hidden"));
    button.addEventListener("click", () => openTicket(ticket.id));
    item.appendChild(button);
    list.appendChild(item);
    if (focused === ticket.id) button.focus();
  }
  updateTitle();
}

// ---- one ticket ------------------------------------------------------------------------

function fact(list, term, value) {
  list.append(el("dt", term), el("dd", value));
}

function showTicket(ticket) {
  current = ticket;
  $("empty").hidden = true;
  $("ticket").hidden = false;
  $("context-body").hidden = false;
  $("ticket-title").textContent = `${ticket.id} — ${ticket.priority}`;
  $("ticket-meta").textContent =
    `${ticket.user_name} <${ticket.user_id}>, ${ticket.plan} (${ticket.support_tier}), ` +
    `writes in ${LANGUAGE_NAMES[ticket.language] || ticket.language}, answer in ` +
    `${LANGUAGE_NAMES[ticket.agent_language] || ticket.agent_language}. ` +
    `First response due ${readableDate(ticket.first_response_due)}` +
    (ticket.breached ? " — BREACHED" : "");
  const mine = ticket.claimed_by === me.id;
  $("claim").hidden = Boolean(ticket.claimed_by);
  $("resolve").hidden = !mine;
  $("reply").hidden = !mine;
  $("reply-lang").textContent = `(you write in ${LANGUAGE_NAMES[ticket.agent_language] || ticket.agent_language})`;

  // The summary once the ticket is claimed.
  const summary = ticket.summary;
  $("summary").hidden = !ticket.claimed_by || !summary;
  if (summary) {
    $("summary-headline").textContent = summary.headline;
    $("summary-what").textContent = summary.what;
    $("summary-reported").textContent = summary.reported ? `Handed over ${summary.reported} (user's time).` : "";
    const articles = $("summary-articles");
    articles.replaceChildren();
    for (const article of summary.articles) {
      articles.appendChild(el("li", `${article.title} — ${article.vote_label}`));
    }
    if (!summary.articles.length) articles.appendChild(el("li", "None"));
  }

  const facts = $("user-facts");
  facts.replaceChildren();
  fact(facts, "User", `${ticket.user_name} (${ticket.user_id})`);
  fact(facts, "Account", ticket.account_id);
  fact(facts, "Plan", `${ticket.plan}, ${ticket.support_tier} support`);
  fact(facts, "Language", LANGUAGE_NAMES[ticket.language] || ticket.language);

  const report = $("report");
  report.replaceChildren();
  for (const row of ticket.report_lines || []) fact(report, row.label, row.value);

  const transcript = $("transcript");
  transcript.replaceChildren();
  for (const entry of ticket.transcript || []) {
    const shown = transcriptText(entry);
    const item = line(transcript, entry.from === "user" ? "User:" : "Assistant:", shown.text,
                      { lang: entry.lang, className: shown.click ? "click" : "" });
    if (entry.article) {
      item.appendChild(el("span", ` [article: ${entry.article.title}]`, "hint"));
    }
  }
  renderCanned();
}

async function openTicket(id, claim = false) {
  $("ticket-error").textContent = "";
  try {
    const path = `/api/tickets/${encodeURIComponent(id)}`;
    // The report and the summary in the agent's own (first) language.
    const lang = `?lang=${encodeURIComponent((me && me.languages && me.languages[0]) || "en")}`;
    const ticket = claim ? await api(`${path}/claim${lang}`, { method: "POST" })
      : await api(path + lang);
    const switched = !current || current.id !== ticket.id;
    showTicket(ticket);
    if (switched) {
      lastMessage = 0;
      $("messages").replaceChildren();
      $("kb-results").replaceChildren();
      $("ticket-title").focus();
    }
    // Claimed: the agent can type at once (not only after the next two requests).
    if (claim) $("reply-text").focus();
    await pollMessages();
    await refreshQueue();
  } catch (error) {
    $("ticket-error").textContent = `Could not open ${id}: ${error.message}`;
  }
}

async function pollMessages() {
  if (!current) return;
  const id = current.id;
  const messages = await api(`/api/tickets/${encodeURIComponent(id)}/messages?after=${lastMessage}`);
  if (!current || current.id !== id) return;
  for (const message of messages) {
    const who = message.author === "agent" ? `${message.agent_name || "Agent"}:` : "User:";
    line($("messages"), who, message.text, { lang: message.lang, className: message.author,
                                            card: message.kind === "article" ? message.card : null });
    lastMessage = message.id;
  }
  if (!document.hidden) seen.set(id, Math.max(seen.get(id) || 0, lastMessage));
}

// ---- replying --------------------------------------------------------------------------

let canned = [];

function renderCanned() {
  const group = $("canned");
  group.replaceChildren();
  for (const reply of canned) {
    const button = el("button", reply.label);
    button.type = "button";
    const text = reply.texts[current.language] || reply.texts.en;
    button.title = text;
    button.setAttribute("aria-description", `Sends in ${LANGUAGE_NAMES[current.language] || current.language}: ${text}`);
    button.addEventListener("click", () => send({ canned: reply.id }));
    group.appendChild(button);
  }
}

async function send(body) {
  if (!current) return;
  $("ticket-error").textContent = "";
  try {
    await api(`/api/tickets/${encodeURIComponent(current.id)}/messages`,
              { method: "POST", body: JSON.stringify(body) });
    await pollMessages();
    return true;
  } catch (error) {
    $("ticket-error").textContent = `Not sent: ${error.message}`;
    return false;
  }
}

async function sendReply() {
  const text = $("reply-text").value;
  if (!current || !text.trim()) return;
  if (await send({ text })) $("reply-text").value = "";
}

async function claimCurrent() {
  if (current && !current.claimed_by) await openTicket(current.id, true);
}

async function resolveCurrent() {
  if (!current || current.claimed_by !== me.id) return;
  try {
    await api(`/api/tickets/${encodeURIComponent(current.id)}/resolve`, { method: "POST" });
    current = null;
    $("ticket").hidden = true;
    $("context-body").hidden = true;
    $("empty").hidden = false;
    await refreshQueue();
    $("queue-title").focus();
  } catch (error) {
    $("ticket-error").textContent = `Not resolved: ${error.message}`;
  }
}

// ---- suggested articles ----------------------------------------------------------------

async function searchArticles(query) {
  const results = $("kb-results");
  results.replaceChildren();
  const agentLang = (me.languages && me.languages[0]) || "en";
  try {
    const found = await api(`/api/kb/search?lang=${encodeURIComponent(agentLang)}&q=${encodeURIComponent(query)}`);
    if (!found.hits.length) results.appendChild(el("li", "No article found."));
    for (const hit of found.hits) {
      const item = el("li");
      item.appendChild(el("strong", hit.title));
      item.appendChild(el("p", hit.summary, "hint"));
      const button = el("button", `Send to user (${LANGUAGE_NAMES[current.language] || current.language})`);
      button.type = "button";
      button.dataset.article = hit.article_id;
      button.addEventListener("click", () => sendArticle(hit.article_id));
      item.appendChild(button);
      results.appendChild(item);
    }
  } catch (error) {
    results.appendChild(el("li", `The help-center search is not available (${error.message}).`));
  }
}

// The same article in the user's language, sent as a card.
async function sendArticle(articleId) {
  if (!current) return;
  try {
    const card = await api(`/api/kb/articles/${encodeURIComponent(articleId)}?lang=${encodeURIComponent(current.language)}`);
    await send({ kind: "article", card });
  } catch (error) {
    $("ticket-error").textContent = error.status === 404
      ? `This article has no ${LANGUAGE_NAMES[current.language] || current.language} version.`
      : `Not sent: ${error.message}`;
  }
}

// ---- session ---------------------------------------------------------------------------

async function showMe() {
  try {
    me = await api("/api/me");
    $("login").hidden = true;
    $("me").hidden = false;
    $("workspace").hidden = false;
    $("me-name").textContent = `${me.name} (${me.languages.join(", ")})`;
    $("online").checked = me.online;
    $("kb-query").placeholder = `Search in ${LANGUAGE_NAMES[me.languages[0]] || "English"}`;
    canned = await api("/api/canned");
    await refreshQueue();
  } catch (error) {
    me = null;
    $("login").hidden = false;
    $("me").hidden = true;
    $("workspace").hidden = true;
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("/api/login", { method: "POST", body: JSON.stringify({
      agent_id: $("agent-id").value, password: $("password").value }) });
    firstQueue = true;
    await showMe();
  } catch (error) {
    $("login-error").textContent = "Wrong agent id or password.";
  }
});

$("logout").addEventListener("click", async () => {
  await api("/api/logout", { method: "POST" });
  current = null;
  await showMe();
});

$("online").addEventListener("change", async () => {
  await api("/api/me/online", { method: "POST", body: JSON.stringify({ online: $("online").checked }) });
});

$("reply").addEventListener("submit", (event) => {
  event.preventDefault();
  sendReply();
});
$("claim").addEventListener("click", claimCurrent);
$("resolve").addEventListener("click", resolveCurrent);
$("kb-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if ($("kb-query").value.trim()) searchArticles($("kb-query").value.trim());
});
$("help-open").addEventListener("click", () => $("help").showModal());

// Shortcuts: Alt+letter (not typed text), Ctrl+Enter in the reply, "?" outside fields.
function typing(target) {
  return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.isContentEditable);
}

document.addEventListener("keydown", (event) => {
  if (!me) return;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === $("reply-text")) {
    event.preventDefault();
    sendReply();
  } else if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const key = event.code;
    if (key === "KeyC") { event.preventDefault(); claimCurrent(); }
    else if (key === "KeyR") { event.preventDefault(); resolveCurrent(); }
    else if (key === "KeyK") { event.preventDefault(); $("kb-query").focus(); }
    else if (key === "KeyN") {
      event.preventDefault();
      const next = queue.find((t) => unread(t) && (!current || t.id !== current.id));
      if (next) openTicket(next.id);
    }
  } else if (event.key === "?" && !typing(event.target) && !$("help").open) {
    event.preventDefault();
    $("help").showModal();
  }
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && current) seen.set(current.id, Math.max(seen.get(current.id) || 0, lastMessage));
  if (me) updateTitle();
});

setInterval(async () => {
  if (!me) return;
  try {
    await pollMessages();
    await refreshQueue();
    if (current) {
      // The claim (or resolution) by someone else shows without a reload.
      const listed = queue.find((t) => t.id === current.id);
      if (listed && listed.claimed_by !== current.claimed_by) await openTicket(current.id);
    }
  } catch (error) {
    // The next round tries again.
  }
}, 1000);
showMe();
