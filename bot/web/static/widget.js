// The help-center chat widget. Plain JavaScript, no dependencies.
//
// It talks to the assistant's help-center channel (POST <chatUrl>/webhook, and
// GET <chatUrl>/updates during a live handoff) with the signed-in user's bearer token
// and the page's locale and the browser's time zone. The conversation is kept in
// localStorage, so it survives a reload. Every text from the bot, an agent or the user
// is inserted with textContent (or as a text node); nothing received is ever parsed as
// HTML.
"use strict";

(function () {
  const STORAGE_KEY = "helpbot.chat.v1";
  const MAX_MESSAGE_CHARS = 2000;
  const POLL_MS = 1500;
  const POLL_BACKOFF_MS = 5000;
  const LIVE_STATES = new Set(["live", "queued", "with_agent"]);
  const POLLED_STATES = new Set([...LIVE_STATES, "pending"]);
  const FEEDBACK = { "/kb_helpful": "helpful", "/kb_not_helpful": "not_helpful" };
  // The help center's self-service pages, by escalation channel.
  const SELF_SERVICE_PAGES = {
    knowledge_base: (lang) => `/${lang}/articles`,
    video_tutorials: (lang) => `/${lang}/videos`,
    community_forum: (lang) => `/community?lang=${lang}`,
  };

  const config = JSON.parse(document.getElementById("helpbot-config").textContent);
  const L = config.labels;

  // ---- state (persisted) ------------------------------------------------------------

  function newSenderId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function freshState(previous) {
    return {
      sender: newSenderId(),
      token: previous ? previous.token : null,
      user: previous ? previous.user : null,
      log: [],
      after: 0,
      handoff: null,
      open: previous ? previous.open : false,
      draft: "",
    };
  }

  function loadState() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY));
      if (stored && typeof stored.sender === "string" && Array.isArray(stored.log)) return stored;
    } catch (error) {
      // A broken entry starts a new conversation rather than breaking the page.
    }
    return freshState(null);
  }

  let state = loadState();
  // A message still on its way when the page was left has no answer: offer to resend it.
  for (const entry of state.log) {
    if (entry.pending) {
      delete entry.pending;
      entry.failed = true;
    }
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage full or disabled: the chat still works, it just won't survive a reload.
    }
  }

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (match, key) =>
      Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match);
  }

  // ---- DOM --------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Only the help center's own paths and http(s) URLs become links.
  function safeHref(url) {
    if (typeof url !== "string") return null;
    if (url.startsWith("/") && !url.startsWith("//")) return url;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  const LINK = /(https?:\/\/[^\s<>"']+|\/[a-z]{2}\/(?:articles|videos|forms)[^\s<>"',;:!?)»]*|\/community\b)/g;

  // Text with the links in it made clickable; everything else stays a text node.
  function richText(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of String(text).matchAll(LINK)) {
      let url = match[0].replace(/[.]+$/, "");
      fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      const href = safeHref(url);
      fragment.appendChild(href ? el("a", { href, text: url }) : document.createTextNode(url));
      last = match.index + url.length;
    }
    fragment.appendChild(document.createTextNode(String(text).slice(last)));
    return fragment;
  }

  const root = document.getElementById("helpbot-widget");
  const launcher = el("button", {
    type: "button", className: "hb-launcher", "aria-expanded": "false",
    "aria-controls": "hb-panel", text: L.launcher,
  });
  const typing = el("div", { className: "hb-typing", role: "status", "aria-live": "polite" });
  const banner = el("div", { className: "hb-banner", role: "status", "aria-live": "polite",
                             hidden: true });
  const log = el("ol", { className: "hb-log", role: "log", "aria-live": "polite",
                         "aria-label": L.log_label, tabindex: "0" });
  const input = el("textarea", {
    id: "hb-input", className: "hb-input", rows: "2", maxlength: String(MAX_MESSAGE_CHARS),
    placeholder: L.placeholder, "aria-describedby": "hb-counter",
  });
  const counter = el("span", { id: "hb-counter", className: "hb-counter", "aria-live": "off" });
  const sendButton = el("button", { type: "submit", className: "hb-send", text: L.send });
  const form = el("form", { className: "hb-form" },
    el("label", { for: "hb-input", className: "hb-visually-hidden", text: L.input_label }),
    input, el("div", { className: "hb-form-row" }, counter, sendButton));
  const subtitle = el("p", { className: "hb-subtitle", text: L.subtitle_assistant });
  const closeButton = el("button", { type: "button", className: "hb-close",
                                     "aria-label": L.close, text: "×" });
  const restartButton = el("button", { type: "button", className: "hb-restart",
                                       text: L.new_conversation });
  const panel = el("section", {
    id: "hb-panel", className: "hb-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "hb-title", hidden: true,
  },
    el("header", { className: "hb-header" },
      el("div", {}, el("h2", { id: "hb-title", text: L.title }), subtitle),
      restartButton, closeButton),
    banner, log, typing, form);
  root.append(launcher, panel);

  // ---- rendering ----------------------------------------------------------------------

  // "feedback" (👍/👎 under an answer), "rating" (1-5 after a ticket) or plain "quick" replies.
  function buttonKind(buttons) {
    const payloads = buttons.map((b) => b.payload);
    if (payloads.length === 2 && payloads.every((p) => p in FEEDBACK)) return "feedback";
    if (payloads.length > 0 && payloads.every((p) => p.startsWith("/rate"))) return "rating";
    return "quick";
  }

  function buttonGroup(entry, index) {
    const kind = buttonKind(entry.buttons);
    const isFeedback = kind === "feedback";
    const isRating = kind === "rating";
    const group = el("div", {
      className: "hb-buttons" + (isFeedback ? " hb-feedback" : "") + (isRating ? " hb-rating" : ""),
      role: "group", "aria-label": isRating ? L.rating_label : null,
    });
    entry.buttons.forEach((button, position) => {
      let label = null;
      if (isFeedback) label = L[FEEDBACK[button.payload]];
      if (isRating) label = format(L.rating_value, { value: button.title });
      const chosen = entry.chosen === position;
      group.appendChild(el("button", {
        type: "button", className: "hb-quick" + (chosen ? " hb-chosen" : ""),
        // Feedback shows its word too: emoji alone is not clear (or not drawn) everywhere.
        text: isRating ? "★ " + button.title : isFeedback ? `${button.title} ${label}` : button.title,
        "aria-label": label,
        "aria-pressed": isFeedback || isRating ? String(chosen) : null,
        disabled: entry.answered || busy,
        onclick: () => choose(index, position),
      }));
    });
    return group;
  }

  function kbCard(card) {
    const href = safeHref(card.url);
    return el("div", { className: "hb-card hb-kb", role: "group", "aria-label": L.article_label,
                       lang: card.lang || null, "data-article-id": card.article_id || null },
      el("p", { className: "hb-card-kicker", text: L.article_label }),
      el("p", { className: "hb-card-title" },
        href ? el("a", { href, text: card.title }) : String(card.title || "")),
      href ? el("a", { className: "hb-card-link", href, text: L.read_article }) : null);
  }

  function escalationCard(data) {
    const handoff = data.decision === "handoff";
    const rows = el("dl", { className: "hb-facts" });
    const fact = (term, value) => {
      if (value === null || value === undefined || value === "") return;
      rows.append(el("dt", { text: term }), el("dd", { text: String(value) }));
    };
    const channels = el("dd", { className: "hb-channels" });
    (data.channels || []).forEach((channel, position) => {
      if (position) channels.appendChild(document.createTextNode(", "));
      const name = L["channel_" + channel] || String(channel);
      const href = SELF_SERVICE_PAGES[channel];
      channels.appendChild(href ? el("a", { href: href(config.lang), text: name })
                                : document.createTextNode(name));
    });
    if (channels.childNodes.length) rows.append(el("dt", { text: L.channels }), channels);
    fact(L.priority, data.priority);
    const targets = [];
    if (data.first_response_hours) {
      targets.push(format(L.first_response, { hours: data.first_response_hours }));
    }
    if (data.resolution_hours) {
      targets.push(format(L.resolution, { hours: data.resolution_hours }));
    }
    for (const target of targets) rows.append(el("dd", { className: "hb-target", text: target }));
    fact(L.ticket, data.ticket_id);
    if (data.agent_language) {
      fact(L.agent_language, config.languageNames[data.agent_language] || data.agent_language);
    }
    return el("div", {
      className: "hb-card hb-escalation hb-" + (handoff ? "handoff" : "self-service"),
      role: "group", "data-decision": data.decision,
      "aria-label": handoff ? L.escalation_handoff : L.escalation_self_service,
    },
      el("p", { className: "hb-card-kicker",
                text: handoff ? L.escalation_handoff : L.escalation_self_service }),
      rows);
  }

  function renderEntry(entry, index) {
    const item = el("li", { className: "hb-entry hb-" + entry.kind });
    const who = {
      user: L.you, bot: L.assistant, escalation: L.assistant, notice: null,
      agent: entry.name ? format(L.agent, { name: entry.name }) : L.agent_unknown,
    }[entry.kind];
    if (who) item.appendChild(el("span", { className: "hb-who", text: who }));
    if (entry.text) item.appendChild(el("p", { className: "hb-text" }, richText(entry.text)));
    if (entry.card) item.appendChild(kbCard(entry.card));
    if (entry.kind === "escalation") item.appendChild(escalationCard(entry.data));
    if (entry.buttons && entry.buttons.length) item.appendChild(buttonGroup(entry, index));
    if (entry.failed) {
      item.classList.add("hb-failed");
      item.appendChild(el("p", { className: "hb-error", role: "alert" },
        el("span", { text: entry.error || L.failed }), " ",
        el("button", { type: "button", className: "hb-retry", text: L.retry,
                       onclick: () => retry(index) })));
    }
    return item;
  }

  function render() {
    log.replaceChildren(...state.log.map(renderEntry));
    const live = state.handoff && LIVE_STATES.has(state.handoff.status);
    panel.classList.toggle("hb-agent-mode", Boolean(live));
    banner.hidden = !live;
    if (live) {
      const language = config.languageNames[state.handoff.agent_language]
        || state.handoff.agent_language || "";
      const name = state.handoff.agent_name;
      banner.replaceChildren(
        el("strong", { text: format(L.agent_mode, { language }) }),
        el("span", { text: name ? format(L.agent_joined, { name }) : L.agent_waiting }));
      subtitle.textContent = name ? format(L.agent, { name }) : L.agent_unknown;
    } else {
      subtitle.textContent = L.subtitle_assistant;
    }
    log.scrollTop = log.scrollHeight;
  }

  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.hidden = open;
    save();
    if (open) {
      render();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  function updateCounter() {
    const left = MAX_MESSAGE_CHARS - input.value.length;
    counter.textContent = left < 200 ? format(L.characters_left, { count: left }) : "";
  }

  // ---- talking to the assistant -----------------------------------------------------

  let busy = false;

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    typing.textContent = value ? L.typing : "";
    typing.classList.toggle("hb-visible", value);
    render();
  }

  // The browser's IANA time zone ("Europe/Oslo"), so times are read and shown in it;
  // left out (the server then uses UTC) when the browser cannot tell.
  function timeZone() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return typeof zone === "string" && zone ? zone : undefined;
    } catch (error) {
      return undefined;
    }
  }

  function headers() {
    const result = { "Content-Type": "application/json" };
    if (state.token) result.Authorization = "Bearer " + state.token;
    return result;
  }

  // The channel's replies, as log entries. A KB payload becomes a card on the text it
  // belongs to (Rasa sends the text and the custom payload as two items).
  function entriesFrom(replies) {
    const entries = [];
    for (const reply of Array.isArray(replies) ? replies : []) {
      const custom = reply && typeof reply.custom === "object" ? reply.custom : null;
      if (custom && custom.kb) {
        const previous = entries[entries.length - 1];
        if (previous && previous.kind === "bot" && !previous.card) previous.card = custom.kb;
        else entries.push({ kind: "bot", text: "", card: custom.kb, buttons: [] });
      } else if (custom && custom.escalation) {
        entries.push({ kind: "escalation", data: custom.escalation });
        noteEscalation(custom.escalation);
      } else if (reply && (typeof reply.text === "string" || Array.isArray(reply.buttons))) {
        entries.push({
          kind: "bot", text: typeof reply.text === "string" ? reply.text : "",
          buttons: (reply.buttons || []).map((b) => ({
            title: String(b.title), payload: String(b.payload) })),
        });
      }
    }
    return entries;
  }

  function noteEscalation(data) {
    if (data.decision === "handoff" && data.ticket_id) {
      // "pending" until the first poll says whether an agent is live or it goes by email.
      state.handoff = { ticket_id: data.ticket_id, status: "pending",
                        agent_language: data.agent_language, agent_name: null };
      startPolling(0);
    }
  }

  // Buttons of earlier messages stop being clickable once the user moves on.
  function closeOpenButtons() {
    for (const entry of state.log) {
      if (entry.buttons && entry.buttons.length) entry.answered = true;
    }
  }

  async function deliver(entry) {
    setBusy(true);
    let failure = null;
    try {
      const response = await fetch(config.chatUrl + "/webhook", {
        method: "POST", headers: headers(),
        body: JSON.stringify({ sender: state.sender, message: entry.payload || entry.text,
                               metadata: { locale: config.locale, timezone: timeZone() } }),
      });
      const body = await response.json().catch(() => null);
      if (response.ok) {
        entry.failed = false;
        delete entry.error;
        state.log.push(...entriesFrom(body));
      } else {
        failure = errorFor(response.status, body);
      }
    } catch (error) {
      failure = { message: L.error_network };
    }
    delete entry.pending;
    if (failure) {
      entry.failed = true;
      entry.error = failure.message;
      if (failure.restart) restart(failure.message);
    }
    save();
    setBusy(false);
  }

  function errorFor(status, body) {
    const detail = body && typeof body.detail === "string" ? body.detail : String(status);
    if (status === 401) {
      // The token is no good any more; carry on as a guest in a new conversation.
      state.token = null;
      state.user = null;
      syncSignIn();
      return { message: L.error_session };
    }
    if (status === 403) return { message: L.error_forbidden, restart: true };
    if (status === 413) return { message: format(L.error_too_long, { max: MAX_MESSAGE_CHARS }) };
    if (body && body.error === "empty_message") return { message: L.error_empty };
    if (status >= 500) return { message: L.error_unavailable };
    return { message: format(L.error_invalid, { detail }) };
  }

  function send(text, payload) {
    if (busy) return false;
    closeOpenButtons();
    const entry = { kind: "user", text, pending: true };
    if (payload) entry.payload = payload;
    state.log.push(entry);
    save();
    deliver(entry);
    return true;
  }

  function retry(index) {
    const entry = state.log[index];
    if (!entry || busy) return;
    deliver(entry);
  }

  function choose(index, position) {
    const entry = state.log[index];
    if (!entry || entry.answered || busy) return;
    const button = entry.buttons[position];
    const shown = buttonKind(entry.buttons) === "rating" ? "★ " + button.title : button.title;
    entry.chosen = position;
    send(shown, button.payload);
    input.focus();
  }

  function restart(notice) {
    stopPolling();
    state = freshState(state);
    if (notice) state.log.push({ kind: "notice", text: notice });
    save();
    render();
  }

  // ---- live handoff -------------------------------------------------------------------

  let pollTimer = null;

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  function startPolling(delay) {
    stopPolling();
    pollTimer = setTimeout(poll, delay);
  }

  async function poll() {
    const sender = state.sender;
    let next = POLL_MS;
    try {
      const url = config.chatUrl + "/updates?sender=" + encodeURIComponent(sender)
        + "&after=" + encodeURIComponent(state.after || 0);
      const response = await fetch(url, { headers: headers() });
      if (sender !== state.sender) return;  // a new conversation started meanwhile
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        state.handoff = null;
        save();
        render();
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      for (const message of body.messages || []) {
        state.log.push({ kind: "agent", text: String(message.text),
                         name: message.agent_name || null });
        state.after = Math.max(state.after || 0, Number(message.id) || 0);
      }
      if (body.handoff) {
        state.handoff = { ...state.handoff, ...body.handoff,
                          agent_name: body.handoff.agent_name
                            || (state.handoff && state.handoff.agent_name) || null };
      }
      if (body.replies && body.replies.length) {
        state.log.push({ kind: "notice", text: L.back_to_assistant });
        state.log.push(...entriesFrom(body.replies));
      }
      if (state.handoff && state.handoff.status === "email"
          && !state.log.some((e) => e.kind === "notice" && e.text === L.email_mode)) {
        state.log.push({ kind: "notice", text: L.email_mode });
      }
      save();
      render();
      if (!state.handoff || !POLLED_STATES.has(state.handoff.status)) return;
    } catch (error) {
      next = POLL_BACKOFF_MS;  // the service is down or unreachable: keep trying, slower
    }
    if (sender === state.sender) startPolling(next);
  }

  // ---- "sign in as" (development only) --------------------------------------------------

  const signInSelect = document.getElementById("sign-in-as");

  function syncSignIn() {
    if (signInSelect) signInSelect.value = state.user || "";
  }

  async function loadDemoUsers() {
    if (!signInSelect || !config.devSignIn) return;
    try {
      const response = await fetch("/dev/users");
      if (!response.ok) return;
      for (const user of await response.json()) {
        const label = `${user.name} — ${user.plan} ${user.role} (${user.id})`;
        signInSelect.appendChild(el("option", { value: user.id, text: label }));
      }
    } catch (error) {
      return;
    }
    syncSignIn();
    signInSelect.addEventListener("change", async () => {
      const userId = signInSelect.value;
      let token = null;
      if (userId) {
        const response = await fetch("/dev/token", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ user_id: userId }),
        });
        if (!response.ok) {
          syncSignIn();
          return;
        }
        token = (await response.json()).token;
      }
      // A conversation belongs to one identity: switching users starts a new one.
      restart(null);
      state.token = token;
      state.user = userId || null;
      save();
      render();
    });
  }

  // Zero-width, bidi and other format characters, and the blank braille pattern: the
  // channel strips the same ones (bot/channels/user_text.py) and refuses what is left empty.
  const INVISIBLE = /[\s\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;

  function visibleText(text) {
    return text.replace(INVISIBLE, "");
  }

  // ---- wiring -------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!visibleText(text)) {
      // Nothing visible (empty, or only zero-width and format characters): say so here,
      // instead of a bubble the server would refuse.
      counter.textContent = input.value ? L.error_empty : "";
      input.focus();
      return;
    }
    if (send(text)) {
      input.value = "";
      state.draft = "";
      updateCounter();
      save();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    state.draft = input.value;
    updateCounter();
    save();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false, true);
  });
  launcher.addEventListener("click", () => setOpen(true, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  restartButton.addEventListener("click", () => {
    restart(null);
    input.focus();
  });

  input.value = state.draft || "";
  updateCounter();
  setOpen(Boolean(state.open), false);
  render();
  loadDemoUsers();
  if (state.handoff && POLLED_STATES.has(state.handoff.status)) startPolling(0);

  // For the page and the browser tests: the widget's state, read-only.
  window.helpbotWidget = Object.freeze({ state: () => JSON.parse(JSON.stringify(state)) });
})();
