// The agent console: the queue (left), the conversation (middle), the user's context
// (right). Every piece of user, bot or agent text is inserted with textContent, never as
// HTML. The queue and the open conversation are polled; new tickets and messages get an
// unread mark and the page title counts them ("(2) Agent console"). The console speaks
// the agent's first language (before login: the browser's); its texts come from
// GET /api/console/texts (bot/live_agent/agent_texts.yml, "console").
"use strict";

const $ = (id) => document.getElementById(id);
const LANGUAGES = ["ru", "nb", "fr", "it", "en"];
const LOCALE_ALIASES = { no: "nb", nn: "nb" };
// English as the server writes it (en_GB: 24-hour clock, the day before the month).
const LOCALES = { en: "en-GB" };
const SEEN_KEY = "helpbot.console.seen.";  // + agent id: localStorage, per agent
const DRAFT_KEY = "helpbot.console.draft.";  // + agent id + "." + ticket id: sessionStorage

let ui = null;           // the console's texts and tables in one language
let plural = null;       // Intl.PluralRules of ui.lang
let numbers = null;      // Intl.NumberFormat of ui.lang
let me = null;           // the logged-in agent
let current = null;      // the open ticket (detail)
let lastMessage = 0;     // the last live message shown
let queue = [];          // the queue as last polled
let seen = new Map();    // ticket id -> the last message id the agent has seen
let savedSeen = "";      // what localStorage holds for this agent
let firstQueue = true;   // without a stored map: tickets already there are not "new"
let searchRound = 0;     // the latest article search; an older answer is dropped
const agentTitles = new Map();  // "id|lang" -> Promise of the article's title (or null)
const knownTitles = new Map();  // "id|lang" -> the title, once it has come

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
    error.code = body.error;
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

// ---- the interface's language --------------------------------------------------------

function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language]) {
    const primary = String(tag || "").toLowerCase().split(/[-_]/)[0];
    const lang = LOCALE_ALIASES[primary] || primary;
    if (LANGUAGES.includes(lang)) return lang;
  }
  return "en";
}

function agentLanguage() {
  const first = me && me.languages && me.languages[0];
  return LANGUAGES.includes(first) ? first : "en";
}

function locale() {
  return (ui && (LOCALES[ui.lang] || ui.lang)) || "en-GB";
}

// A text in the interface's language with its {fields} filled (a number is formatted;
// a text with plural forms takes the one of values.count). Unknown: the key itself.
function t(key, values = {}) {
  let text = ui && ui.texts[key];
  if (text === undefined || text === null) return key;
  if (typeof text === "object") text = text[plural.select(values.count)] || text.other;
  return text.replace(/\{(\w+)\}/g, (field, name) => {
    if (!(name in values)) return field;
    const value = values[name];
    return typeof value === "number" ? numbers.format(value) : String(value);
  });
}

// A hint whose {keys} are keyboard keys: "{keys} sends." -> <kbd>Ctrl</kbd>+<kbd>Enter</kbd> sends.
function withKeys(node, template, keys) {
  const [before, after = ""] = template.split("{keys}");
  node.replaceChildren(before);
  keys.forEach((key, index) => {
    if (index) node.append("+");
    node.append(el("kbd", key));
  });
  node.append(after);
}

function applyTexts() {
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.tAriaLabel));
  }
  for (const node of document.querySelectorAll("[data-t-keys]")) {
    withKeys(node, t(node.dataset.tKeys), node.dataset.keys.split(" "));
  }
  document.title = t("title");
}

async function useLanguage(lang) {
  if (ui && ui.lang === lang) return;
  try {
    ui = await api(`/api/console/texts?lang=${encodeURIComponent(lang)}`);
  } catch (error) {
    if (ui) return;  // keep the language already shown
    throw error;
  }
  plural = new Intl.PluralRules(locale());
  numbers = new Intl.NumberFormat(locale());
  document.documentElement.lang = ui.lang;
  applyTexts();
}

// A language's name in the agent's language, as written mid-sentence ("français").
function languageName(code) {
  return (ui.languages && ui.languages[code]) || code;
}

// The same name standing alone ("Français"): capitalised.
function capitalized(text) {
  return text ? text.charAt(0).toLocaleUpperCase(locale()) + text.slice(1) : text;
}

function planName(code) {
  return (ui.plans && ui.plans[code]) || code;
}

function tierName(code) {
  return (ui.support_tiers && ui.support_tiers[code]) || code;
}

function readableDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

// Why a request failed, in the agent's language: a refusal the console knows by its
// code, else the HTTP status, else no answer at all.
function problem(error) {
  if (error.code && ui && ui.texts[`error_${error.code}`]) return t(`error_${error.code}`);
  if (error.status) return t("error_status", { status: String(error.status) });
  return t("error_network");
}

function languageBadge(code) {
  const badge = el("span", (code || "?").toUpperCase(), "lang");
  const known = Boolean(code && ui.languages[code]);
  badge.title = known ? capitalized(languageName(code)) : t("language_unknown");
  badge.setAttribute("aria-label", known ? t("in_language", { language: languageName(code) })
    : t("in_unknown_language"));
  return badge;
}

// One line of a log: the language, who, and the text (or a card).
function line(list, who, text, options = {}) {
  const item = el("li", null, options.className);
  item.appendChild(languageBadge(options.lang));
  item.appendChild(el("span", who, "who"));
  if (options.card) {
    const card = el("span", null, "card");
    card.appendChild(el("strong", t("article_card", { title: options.card.title })));
    card.appendChild(document.createTextNode(` — ${options.card.summary || ""} `));
    card.appendChild(el("code", options.card.url));
    item.appendChild(card);
    inAgentLanguage(item, options.card.article_id, options.card.lang);
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
  // A vote's button is an emoji the console cannot draw (no emoji font): say it in words.
  const vote = entry.vote || { "/kb_helpful": "up", "/kb_not_helpful": "down" }[entry.payload || text];
  if (vote) return { text: t("clicked", { text: t(vote === "up" ? "vote_helpful" : "vote_not_helpful") }), click: true };
  if (entry.payload) return { text: t("clicked", { text }), click: true };
  if (text.startsWith("/")) {
    const words = { "/affirm": t("click_yes"), "/deny": t("click_no"),
                    "/kb_helpful": t("vote_helpful"), "/kb_not_helpful": t("vote_not_helpful") };
    const word = words[text] || text.slice(1).split("{")[0].replace(/_/g, " ");
    return { text: t("clicked", { text: word }), click: true };
  }
  return { text, click: false };
}

// ---- unread marks, kept across reloads -------------------------------------------------

// The agent's stored map (null: none yet, on this browser).
function loadSeen(agentId) {
  try {
    const stored = JSON.parse(localStorage.getItem(SEEN_KEY + agentId));
    if (stored && typeof stored === "object" && !Array.isArray(stored)) {
      savedSeen = JSON.stringify(stored);
      return new Map(Object.entries(stored).filter(([, id]) => Number.isInteger(id)));
    }
  } catch (error) {
    // No storage (private mode, blocked) or a damaged entry: start afresh.
  }
  savedSeen = "";
  return null;
}

// Stores the map, bounded to the tickets still in the queue.
function saveSeen() {
  if (!me) return;
  const listed = new Set(queue.map((ticket) => ticket.id));
  for (const id of seen.keys()) if (!listed.has(id)) seen.delete(id);
  const value = JSON.stringify(Object.fromEntries(seen));
  if (value === savedSeen) return;
  try {
    localStorage.setItem(SEEN_KEY + me.id, value);
    savedSeen = value;
  } catch (error) {
    // Storage full or blocked: the marks still work until the next reload.
  }
}

function markSeen(id, messageId) {
  seen.set(id, Math.max(seen.get(id) || 0, messageId));
}

// ---- the queue -------------------------------------------------------------------------

function unread(ticket) {
  // Another agent's ticket is theirs to read: never unread here.
  if (ticket.claimed_by && (!me || ticket.claimed_by !== me.id)) return false;
  if (current && current.id === ticket.id && !document.hidden) return false;
  if (!seen.has(ticket.id)) return true;
  return ticket.last_message_id > seen.get(ticket.id);
}

function updateTitle() {
  const count = queue.filter(unread).length;
  document.title = count ? t("title_unread", { count, title: t("title") }) : t("title");
  const badge = $("unread-count");
  badge.hidden = !count;
  badge.textContent = count ? t("unread_count", { count }) : "";
}

function languagesOf(ticket) {
  return ticket.language === ticket.agent_language
    ? capitalized(languageName(ticket.language))
    : t("writes_answer", { language: languageName(ticket.language), answer: languageName(ticket.agent_language) });
}

function breachedSuffix(ticket) {
  return ticket.breached ? ` — ${t("breached")}` : "";
}

async function refreshQueue() {
  queue = await api("/api/tickets");
  if (firstQueue) {
    for (const ticket of queue) seen.set(ticket.id, ticket.last_message_id);
    firstQueue = false;
  }
  saveSeen();
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
    button.appendChild(el("span", `${ticket.user_name} (${planName(ticket.plan)})`));
    button.appendChild(el("span", languagesOf(ticket), "hint"));
    const claimer = { name: ticket.claimed_by_name || ticket.claimed_by };
    const status = !ticket.claimed_by ? t("status_waiting")
      : t(ticket.status === "resolved" ? "status_resolved" : "status_claimed", claimer);
    const due = t("due", { date: readableDate(ticket.first_response_due) });
    button.appendChild(el("span", `${status} · ${due}${breachedSuffix(ticket)}`, "hint"));
    if (isUnread) button.appendChild(el("span", t("new_activity"), "visually-hidden"));
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
    `${ticket.user_name} <${ticket.user_id}>, ${planName(ticket.plan)} (${tierName(ticket.support_tier)}), ` +
    `${t("writes_answer", { language: languageName(ticket.language), answer: languageName(ticket.agent_language) })}` +
    breachedSuffix(ticket);
  showDeadlines(ticket);
  const mine = ticket.claimed_by === me.id;
  $("claim").hidden = Boolean(ticket.claimed_by);
  $("resolve").hidden = !mine;
  $("reply").hidden = !mine;
  $("reply-lang").textContent = t("reply_lang", { language: languageName(ticket.agent_language) });

  // The summary once the ticket is claimed.
  const summary = ticket.summary;
  $("summary").hidden = !ticket.claimed_by || !summary;
  if (summary) {
    $("summary-headline").textContent = summary.headline;
    $("summary-what").textContent = summary.what;
    $("summary-what-language").textContent = summary.what_language || "";
    $("summary-reported").textContent = summary.reported ? t("reported", { when: summary.reported }) : "";
    const articles = $("summary-articles");
    articles.replaceChildren();
    for (const article of summary.articles) {
      const item = el("li", `${article.title} — ${article.vote_label}`);
      inAgentLanguage(item, article.article_id, ticket.language);
      articles.appendChild(item);
    }
    if (!summary.articles.length) articles.appendChild(el("li", t("no_articles")));
  }

  const facts = $("user-facts");
  facts.replaceChildren();
  fact(facts, t("fact_user"), `${ticket.user_name} (${ticket.user_id})`);
  fact(facts, t("fact_account"), ticket.account_id);
  fact(facts, t("fact_plan"), t("plan_support", { plan: planName(ticket.plan), tier: tierName(ticket.support_tier) }));
  fact(facts, t("fact_language"), capitalized(languageName(ticket.language)));

  const report = $("report");
  report.replaceChildren();
  for (const row of ticket.report_lines || []) fact(report, row.label, row.value);

  const transcript = $("transcript");
  transcript.replaceChildren();
  for (const entry of ticket.transcript || []) {
    const shown = transcriptText(entry);
    const item = line(transcript, entry.from === "user" ? t("who_user") : t("who_assistant"), shown.text,
                      { lang: entry.lang, className: shown.click ? "click" : "" });
    if (entry.article) {
      item.appendChild(el("span", ` ${t("transcript_article", { title: entry.article.title })}`, "hint"));
      inAgentLanguage(item, entry.article.article_id, entry.lang || ticket.language);
    }
  }
  renderCanned();
}

function closeTicket() {
  current = null;
  hideConfirm();
  clearSearch();
  $("ticket").hidden = true;
  $("context-body").hidden = true;
  $("empty").hidden = false;
}

async function openTicket(id, claim = false) {
  $("ticket-error").textContent = "";
  try {
    const path = `/api/tickets/${encodeURIComponent(id)}`;
    // The report and the summary in the agent's own (first) language.
    const lang = `?lang=${encodeURIComponent(agentLanguage())}`;
    const ticket = claim ? await api(`${path}/claim${lang}`, { method: "POST" })
      : await api(path + lang);
    const switched = !current || current.id !== ticket.id;
    if (switched) hideConfirm();
    showTicket(ticket);
    if (switched) {
      lastMessage = 0;
      $("messages").replaceChildren();
      clearSearch();
      $("reply-text").value = loadDraft(ticket.id);
      showInAddress(ticket.id);
      $("ticket-title").focus();
    }
    // Claimed: the agent can type at once (not only after the next two requests).
    if (claim) $("reply-text").focus();
    await pollMessages();
    await refreshQueue();
  } catch (error) {
    $("ticket-error").textContent = t("open_failed", { id, error: problem(error) });
    // A link to a ticket that is gone: the error says so, the address stops naming it.
    if (!current && location.hash === `#${id}`) history.replaceState(null, "", location.pathname + location.search);
  }
}

async function pollMessages() {
  if (!current) return;
  const id = current.id;
  // ?lang=: a canned reply also comes in the agent's language (agent_text).
  const messages = await api(`/api/tickets/${encodeURIComponent(id)}/messages?after=${lastMessage}` +
                             `&lang=${encodeURIComponent(agentLanguage())}`);
  if (!current || current.id !== id) return;
  for (const message of messages) {
    // Two polls can be on their way at once (the timer's and the one after a send): each
    // message is drawn once.
    if (message.id <= lastMessage) continue;
    const who = message.author === "agent" ? t("who_agent", { name: message.agent_name || t("agent") })
      : t("who_user");
    const item = line($("messages"), who, message.text, { lang: message.lang, className: message.author,
                                                         card: message.kind === "article" ? message.card : null });
    if (message.agent_text) item.appendChild(translation(message.agent_text));
    lastMessage = message.id;
  }
  if (!document.hidden) markSeen(id, lastMessage);
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
    button.setAttribute("aria-description", t("canned_sends", { language: languageName(current.language), text }));
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
    $("ticket-error").textContent = t("not_sent", { error: problem(error) });
    return false;
  }
}

async function sendReply() {
  const text = $("reply-text").value;
  if (!current || !text.trim()) return;
  const id = current.id;
  if (await send({ text })) {
    $("reply-text").value = "";
    saveDraft(id, "");
  }
}

async function claimCurrent() {
  if (current && !current.claimed_by) await openTicket(current.id, true);
}

// Resolving asks first (inline, not window.confirm): Alt+R again or Confirm resolves.
function askResolve() {
  if (!current || current.claimed_by !== me.id) return;
  if (!$("resolve-confirm").hidden) { resolveCurrent(); return; }
  withKeys($("resolve-confirm-text"), t("resolve_confirm", { id: current.id }), ["Alt", "R"]);
  $("resolve-confirm").hidden = false;
  $("resolve-confirm").querySelector(".confirm").focus();
}

function hideConfirm(refocus = false) {
  if ($("resolve-confirm").hidden) return;
  $("resolve-confirm").hidden = true;
  if (refocus && current) $("resolve").focus();
}

async function resolveCurrent() {
  hideConfirm();
  if (!current || current.claimed_by !== me.id) return;
  try {
    const id = current.id;
    await api(`/api/tickets/${encodeURIComponent(id)}/resolve`, { method: "POST" });
    saveDraft(id, "");
    closeTicket();
    showInAddress(null);
    await refreshQueue();
    $("queue-title").focus();
  } catch (error) {
    $("ticket-error").textContent = t("not_resolved", { error: problem(error) });
  }
}

// ---- suggested articles ----------------------------------------------------------------

function clearSearch() {
  searchRound += 1;  // an answer still on its way is dropped
  $("kb-query").value = "";
  $("kb-results").replaceChildren();
  $("kb-results").setAttribute("aria-busy", "false");
  $("kb-status").textContent = "";
}

// What the user already got of an article: "already offered (not helpful)", or "".
function offeredNote(articleId) {
  const offered = current && current.summary && current.summary.articles.find((a) => a.article_id === articleId);
  if (!offered) return "";
  return t({ up: "kb_offered_up", down: "kb_offered_down" }[offered.vote] || "kb_offered");
}

async function searchArticles(query) {
  const results = $("kb-results");
  const round = ++searchRound;
  results.replaceChildren();
  // The first search loads the model (seconds): say so.
  results.setAttribute("aria-busy", "true");
  $("kb-status").textContent = t("kb_searching");
  try {
    const found = await api(`/api/kb/search?lang=${encodeURIComponent(agentLanguage())}&q=${encodeURIComponent(query)}`);
    if (round !== searchRound) return;
    $("kb-status").textContent = "";
    if (!found.hits.length) results.appendChild(el("li", t("kb_none")));
    for (const hit of found.hits) {
      const item = el("li");
      item.appendChild(el("strong", hit.title));
      const note = offeredNote(hit.article_id);
      if (note) item.appendChild(el("p", note, "offered"));
      item.appendChild(el("p", hit.summary, "hint"));
      const button = el("button", t("kb_send", { language: languageName(current.language) }));
      button.type = "button";
      button.dataset.article = hit.article_id;
      button.addEventListener("click", () => sendArticle(hit.article_id));
      item.appendChild(button);
      results.appendChild(item);
    }
  } catch (error) {
    if (round !== searchRound) return;
    $("kb-status").textContent = "";
    results.appendChild(el("li", t("kb_unavailable", { error: problem(error) })));
  } finally {
    if (round === searchRound) results.setAttribute("aria-busy", "false");
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
      ? t("no_version", { language: languageName(current.language) })
      : t("not_sent", { error: problem(error) });
  }
}

// ---- the agent's language beside the user's ------------------------------------------

// An article's title in the agent's language, asked once of the help center (the web
// port's GET /api/kb/articles/{id}?lang=; every article exists in the five languages).
// A failed ask (the help center busy or restarting) is retried, 1 s, 2 s, 4 s apart, and
// then forgotten, so that the next drawing asks again instead of never showing it.
function titleInAgentLanguage(articleId) {
  const lang = agentLanguage();
  const key = `${articleId}|${lang}`;
  const ask = (attempt) => api(`/api/kb/articles/${encodeURIComponent(articleId)}?lang=${encodeURIComponent(lang)}`)
    .then((card) => {
      knownTitles.set(key, card.title);
      return card.title;
    }, (error) => {
      if (attempt < 3 && error.status !== 404) {
        return new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt)).then(() => ask(attempt + 1));
      }
      agentTitles.delete(key);
      return null;
    });
  if (!agentTitles.has(key)) agentTitles.set(key, ask(0));
  return agentTitles.get(key);
}

// Under a line the user read in their language: the same text in the agent's.
function translation(text) {
  const node = el("span", t("in_agent_language", { language: capitalized(languageName(agentLanguage())), text }),
                  "in-agent-language");
  node.lang = agentLanguage();
  return node;
}

// Adds the article's title in the agent's language to ``node`` (when the user's differs).
// A title already known is drawn at once: the summary is redrawn on every claim change,
// and the line must not flicker without it.
function inAgentLanguage(node, articleId, userLanguage) {
  if (!articleId || !userLanguage || userLanguage === agentLanguage()) return;
  const known = knownTitles.get(`${articleId}|${agentLanguage()}`);
  if (known) {
    node.appendChild(translation(known));
    return;
  }
  titleInAgentLanguage(articleId).then((title) => { if (title) node.appendChild(translation(title)); });
}

// ---- the deadlines -----------------------------------------------------------------------

// A due time in the agent's (browser's) time zone, the zone named: "30 Nov 2026, 15:00 CET".
function zonedDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(locale(), { day: "numeric", month: "short", year: "numeric",
                                         hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
}

function showDeadlines(ticket) {
  const parts = [t("first_response_due", { date: zonedDate(ticket.first_response_due) })];
  if (ticket.resolution_due) parts.push(t("resolution_due", { date: zonedDate(ticket.resolution_due) }));
  const zone = ticket.report && ticket.report.timezone;
  if (zone) {
    try {
      const time = new Date().toLocaleTimeString(locale(), { timeZone: zone, hour: "2-digit", minute: "2-digit" });
      parts.push(t("user_time", { time, zone }));
    } catch (error) {
      // Not a zone this browser knows: the user's time is left out.
    }
  }
  $("ticket-deadlines").textContent = parts.join(" · ");
}

// ---- the agent's place: the open ticket in the address, drafts per ticket -------------------

function showInAddress(id) {
  const hash = id ? `#${id}` : "";
  if (location.hash === hash) return;
  history.pushState(null, "", location.pathname + location.search + hash);
}

function addressedTicket() {
  const id = decodeURIComponent(location.hash.slice(1));
  return /^[\w.-]{1,64}$/.test(id) ? id : null;
}

function draftKey(id) {
  return `${DRAFT_KEY}${me ? me.id : ""}.${id}`;
}

function loadDraft(id) {
  try {
    return sessionStorage.getItem(draftKey(id)) || "";
  } catch (error) {
    return "";  // storage blocked: no draft kept
  }
}

function saveDraft(id, text) {
  try {
    if (text) sessionStorage.setItem(draftKey(id), text);
    else sessionStorage.removeItem(draftKey(id));
  } catch (error) {
    // Storage blocked or full: the draft lives only in the page.
  }
}

// Back and forward (and a pasted link) move between tickets.
function followAddress() {
  if (!me || $("workspace").hidden) return;
  const id = addressedTicket();
  if (id && (!current || current.id !== id)) openTicket(id);
  else if (!id && current) closeTicket();
}

// ---- session ---------------------------------------------------------------------------

function showLogin() {
  me = null;
  $("login").hidden = false;
  $("me").hidden = true;
  $("workspace").hidden = true;
}

async function showMe() {
  try {
    me = await api("/api/me");
  } catch (error) {
    await useLanguage(browserLanguage()).catch(() => {});
    showLogin();
    return;
  }
  try {
    await useLanguage(agentLanguage());
    seen = loadSeen(me.id) || new Map();
    firstQueue = !savedSeen;
    $("me-name").textContent = `${me.name} (${new Intl.ListFormat(locale()).format(me.languages.map(languageName))})`;
    $("online").checked = me.online;
    const language = languageName(agentLanguage());
    $("kb-label").textContent = t("kb_label", { language });
    $("kb-query").placeholder = t("kb_placeholder", { language });
    canned = await api(`/api/canned?lang=${encodeURIComponent(agentLanguage())}`);
    await refreshQueue();
    $("login").hidden = true;
    $("me").hidden = false;
    $("workspace").hidden = false;
    // After a reload (or from a link): the ticket the address names.
    const addressed = addressedTicket();
    if (addressed) await openTicket(addressed);
  } catch (error) {
    showLogin();
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("/api/login", { method: "POST", body: JSON.stringify({
      agent_id: $("agent-id").value, password: $("password").value }) });
  } catch (error) {
    $("login-error").textContent = t(error.status === 401 ? "login_error" : "login_failed");
    return;
  }
  await showMe();
});

$("logout").addEventListener("click", async () => {
  await api("/api/logout", { method: "POST" });
  closeTicket();
  queue = [];
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
$("resolve").addEventListener("click", askResolve);
$("resolve-confirm").querySelector(".confirm").addEventListener("click", resolveCurrent);
$("resolve-confirm").querySelector(".cancel").addEventListener("click", () => hideConfirm(true));
$("reply-text").addEventListener("input", () => { if (current) saveDraft(current.id, $("reply-text").value); });
window.addEventListener("popstate", followAddress);
window.addEventListener("hashchange", followAddress);
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
    else if (key === "KeyR") { event.preventDefault(); askResolve(); }
    else if (key === "KeyK") { event.preventDefault(); $("kb-query").focus(); }
    else if (key === "KeyN") {
      event.preventDefault();
      const next = queue.find((ticket) => unread(ticket) && (!current || ticket.id !== current.id));
      if (next) openTicket(next.id);
    }
  } else if (event.key === "Escape" && !$("resolve-confirm").hidden) {
    event.preventDefault();
    hideConfirm(true);
  } else if (event.key === "?" && !typing(event.target) && !$("help").open) {
    event.preventDefault();
    $("help").showModal();
  }
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && current) {
    markSeen(current.id, lastMessage);
    saveSeen();
  }
  if (me) updateTitle();
});

setInterval(async () => {
  if (!me) return;
  try {
    await pollMessages();
    await refreshQueue();
    if (current) showDeadlines(current);  // the user's local time moves on
    if (current) {
      // The claim (or resolution) by someone else shows without a reload.
      const listed = queue.find((ticket) => ticket.id === current.id);
      if (listed && listed.claimed_by !== current.claimed_by) await openTicket(current.id);
    }
  } catch (error) {
    // The next round tries again.
  }
}, 1000);
showMe();
