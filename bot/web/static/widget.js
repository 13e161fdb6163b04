// The help-center chat widget. Plain JavaScript, no dependencies.
//
// It talks to the assistant's help-center channel (POST <chatUrl>/webhook, and
// GET <chatUrl>/updates during a live handoff) with the signed-in user's bearer token
// and the page's locale and the browser's time zone. The conversation is kept in
// localStorage, so it survives a reload, and it is shared by every tab of the browser
// (see "state" below). Every text from the bot, an agent or the user is inserted with
// textContent (or as a text node); nothing received is ever parsed as HTML.
"use strict";

(function () {
  const STORAGE_KEY = "helpbot.chat.v1";
  const MAX_MESSAGE_CHARS = 2000;
  const POLL_MS = 1500;
  const POLL_BACKOFF_MS = 5000;
  const LIVE_STATES = new Set(["live", "queued", "with_agent"]);
  const POLLED_STATES = new Set([...LIVE_STATES, "pending"]);
  const FEEDBACK = { "/kb_helpful": "helpful", "/kb_not_helpful": "not_helpful" };
  // The help center's self-service pages, by escalation channel. The reply's text names
  // them without paths: the card is where they are linked, once each.
  const SELF_SERVICE_PAGES = {
    knowledge_base: (lang) => `/${lang}/articles`,
    video_tutorials: (lang) => `/${lang}/videos`,
    community_forum: (lang) => `/${lang}/community`,
    forms: (lang) => `/${lang}/forms`,
    contact_support: (lang) => `/${lang}/contact`,
  };
  // Every account may use the forms, and the contact page explains every way to reach
  // support: a self-service card links both after the pages of its channels.
  const SELF_SERVICE_EXTRA = ["forms", "contact_support"];
  const isPage = (channel) => Object.prototype.hasOwnProperty.call(SELF_SERVICE_PAGES, channel);

  const config = JSON.parse(document.getElementById("helpbot-config").textContent);
  const L = config.labels;
  // The most-asked questions of the page's language, offered under the greeting.
  const SUGGESTIONS = (Array.isArray(config.suggestions) ? config.suggestions : [])
    .filter((s) => s && typeof s.title === "string" && typeof s.payload === "string")
    .slice(0, 4);
  // The chat takes the whole screen (see widget.css) and is then a modal dialog.
  const FULL_SCREEN = window.matchMedia("(max-width: 480px)");

  // ---- state (persisted, shared by the tabs) ------------------------------------------
  //
  // One conversation, whatever the number of tabs: the state lives in localStorage and
  // every change is read-modify-write on the stored copy (commit), never a write-back of
  // this tab's older copy. A reply or a poll result that arrives later is applied to the
  // state as it is then, and finds its own entries by id. Every log entry has a stable
  // id (an agent message keeps the server's id), entries are only ever added or updated
  // within one conversation, and each update bumps the entry's version, so two copies
  // merge by id: the union of the entries, the newer version of each. The other tabs
  // follow through the "storage" event. During a live handoff one tab at a time polls
  // (a short lease in localStorage); if two ever do, merging by id keeps one copy.

  const LEASE_KEY = STORAGE_KEY + ".poll";
  const LEASE_MS = 10000;
  // A message another tab is sending shows as on its way this long, then as failed
  // (that tab was closed or crashed before it could say).
  const STALE_MS = 120000;

  function randomHex(count) {
    const bytes = new Uint8Array(count);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function newSenderId() {
    return "web-" + randomHex(12);
  }

  // This page's own id: marks the messages it is sending and the polling lease.
  const TAB = "tab-" + randomHex(6);

  function newEntry(fields) {
    return { id: "e-" + randomHex(8), v: 1, ...fields };
  }

  // Every change to an entry makes it the newer copy when two tabs' logs are merged.
  function touch(entry) {
    entry.v = (entry.v || 0) + 1;
    return entry;
  }

  function freshState(previous) {
    return {
      sender: newSenderId(),
      // A later conversation replaces an earlier one in every tab, never the reverse.
      started: Math.max(Date.now(), previous ? (previous.started || 0) + 1 : 0),
      token: previous ? previous.token : null,
      user: previous ? previous.user : null,
      log: [],
      after: 0,
      handoff: null,
      handoffVersion: 0,
      open: previous ? previous.open : false,
      draft: "",
    };
  }

  // The stored state, or null when there is none (or it is broken).
  function readStored() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY));
      if (stored && typeof stored.sender === "string" && Array.isArray(stored.log)) {
        // Entries saved before they had ids get ids every tab derives the same way.
        stored.log.forEach((entry, index) => {
          if (!entry.id) entry.id = "legacy-" + index;
        });
        return stored;
      }
    } catch (error) {
      // A broken entry starts a new conversation rather than breaking the page.
    }
    return null;
  }

  // Which conversation wins when two copies name different ones: the later one.
  function later(a, b) {
    const aStarted = a.started || 0;
    const bStarted = b.started || 0;
    if (aStarted !== bStarted) return aStarted > bStarted;
    return a.sender > b.sender;
  }

  // The stored state with what only this tab's copy has (a write lost to a concurrent
  // one); `mine` tells whether this tab's copy added anything.
  function merge(stored, own) {
    if (!own) return { merged: stored, mine: false };
    if (stored.sender !== own.sender) {
      return later(own, stored) ? { merged: own, mine: true } : { merged: stored, mine: false };
    }
    let mine = false;
    const ownById = new Map(own.log.map((entry) => [entry.id, entry]));
    const log = stored.log.map((entry) => {
      const other = ownById.get(entry.id);
      if (other && (other.v || 0) > (entry.v || 0)) {
        mine = true;
        return other;
      }
      return entry;
    });
    const position = new Map(log.map((entry, index) => [entry.id, index]));
    own.log.forEach((entry, index) => {
      if (position.has(entry.id)) return;
      // Right after the entry it followed in this tab.
      let at = 0;
      for (let previous = index - 1; previous >= 0; previous--) {
        if (position.has(own.log[previous].id)) {
          at = position.get(own.log[previous].id) + 1;
          break;
        }
      }
      log.splice(at, 0, entry);
      log.forEach((placed, where) => position.set(placed.id, where));
      mine = true;
    });
    const merged = { ...stored, log };
    if ((own.after || 0) > (stored.after || 0)) {
      merged.after = own.after;
      mine = true;
    }
    if ((own.handoffVersion || 0) > (stored.handoffVersion || 0)) {
      merged.handoff = own.handoff;
      merged.handoffVersion = own.handoffVersion;
      mine = true;
    }
    return { merged, mine };
  }

  let state = readStored() || freshState(null);

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage full or disabled: the chat still works, it just won't survive a reload.
    }
  }

  // The current shared state (what is stored, plus anything only this tab has).
  function refreshState() {
    const stored = readStored();
    if (stored) state = merge(stored, state).merged;
    return state;
  }

  // Applies a change to the current shared state, saves it and shows it.
  function commit(change) {
    refreshState();
    const result = change(state);
    save();
    render();
    return result;
  }

  function findEntry(current, id) {
    return current.log.find((entry) => entry.id === id) || null;
  }

  function setHandoff(current, handoff) {
    if (JSON.stringify(current.handoff || null) === JSON.stringify(handoff || null)) return;
    current.handoff = handoff;
    current.handoffVersion = (current.handoffVersion || 0) + 1;
  }

  // The ids of the messages this tab is sending right now.
  const sending = new Set();
  // A message is on its way (from this tab or another): no other one until it is answered.
  let busy = false;

  function pendingElsewhere(entry) {
    return entry.pending !== TAB && Date.now() - (entry.since || 0) < STALE_MS;
  }

  // On its way: sent by this tab and not answered yet, or recently by another tab.
  function inFlight(entry) {
    if (!entry.pending) return false;
    return entry.pending === TAB ? sending.has(entry.id) : pendingElsewhere(entry);
  }

  function hasFailed(entry) {
    return Boolean(entry.failed) || (Boolean(entry.pending) && !inFlight(entry));
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

  const LINK = /(https?:\/\/[^\s<>"']+|\/[a-z]{2}\/(?:articles|videos|forms|community|contact)[^\s<>"',;:!?)»]*|\/community\b)/g;

  // Text with the links in it made clickable; everything else stays a text node. A link
  // to `shownElsewhere` (the answer card's article) stays text: one link per article.
  function richText(text, shownElsewhere) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of String(text).matchAll(LINK)) {
      let url = match[0].replace(/[.]+$/, "");
      fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      const href = safeHref(url);
      const linked = href && !(shownElsewhere && href === shownElsewhere);
      fragment.appendChild(linked ? el("a", { href, text: url }) : document.createTextNode(url));
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
  // The entries are a list; the log region around it scrolls (a list cannot be the log
  // itself: its items would lose their list).
  const logList = el("ol", { className: "hb-entries" });
  const log = el("div", { className: "hb-log", role: "log", "aria-live": "polite",
                          "aria-label": L.log_label, tabindex: "0" }, logList);
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

  function buttonGroup(entry) {
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
      // Feedback is a drawn thumb and its word: an emoji is not drawn by every font.
      group.appendChild(el("button", {
        type: "button", className: "hb-quick" + (chosen ? " hb-chosen" : ""),
        text: isRating ? "★ " + button.title : isFeedback ? null : button.title,
        "aria-label": isRating ? label : null,
        "aria-pressed": isFeedback || isRating ? String(chosen) : null,
        disabled: entry.answered || busy,
        onclick: () => choose(entry.id, position),
      }, isFeedback ? thumb(button.payload === "/kb_not_helpful") : null,
         isFeedback ? el("span", { text: label }) : null));
    });
    return group;
  }

  const SVG = "http://www.w3.org/2000/svg";

  // A thumb drawn as SVG (up, or down), hidden from screen readers: the word names it.
  function thumb(down) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "hb-thumb" + (down ? " hb-thumb-down" : ""));
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 19 10h-5.5"
      + "l.8-4.3A2 2 0 0 0 12.3 3.4L8 9.5z");
    svg.appendChild(path);
    return svg;
  }

  // The answer's article: its title is the one link to it.
  function kbCard(card) {
    const href = safeHref(card.url);
    return el("div", { className: "hb-card hb-kb", role: "group", "aria-label": L.article_label,
                       lang: card.lang || null, "data-article-id": card.article_id || null },
      el("p", { className: "hb-card-kicker", text: L.article_label }),
      el("p", { className: "hb-card-title" },
        href ? el("a", { href, text: card.title }) : String(card.title || "")));
  }

  function escalationCard(data) {
    const handoff = data.decision === "handoff";
    const rows = el("dl", { className: "hb-facts" });
    const fact = (term, value) => {
      if (value === null || value === undefined || value === "") return;
      rows.append(el("dt", { text: term }), el("dd", { text: String(value) }));
    };
    const channels = el("dd", { className: "hb-channels" });
    let listed = Array.isArray(data.channels) ? data.channels.slice() : [];
    if (!handoff) {
      // The linked pages first (the extra ones after the channel's own), then the rest
      // (the assistant), each once.
      const pages = listed.filter(isPage);
      const extra = SELF_SERVICE_EXTRA.filter((c) => !pages.includes(c));
      listed = [...pages, ...extra, ...listed.filter((c) => !isPage(c))];
    }
    listed.forEach((channel, position) => {
      if (position) channels.appendChild(document.createTextNode(", "));
      const name = L["channel_" + channel] || String(channel);
      const href = isPage(channel) ? SELF_SERVICE_PAGES[channel] : null;
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

  function renderEntry(entry) {
    const item = el("li", { className: "hb-entry hb-" + entry.kind, "data-entry-id": entry.id });
    const who = {
      user: L.you, bot: L.assistant, escalation: L.assistant, notice: null,
      agent: entry.name ? format(L.agent, { name: entry.name }) : L.agent_unknown,
    }[entry.kind];
    if (who) item.appendChild(el("span", { className: "hb-who", text: who }));
    const cardHref = entry.card ? safeHref(entry.card.url) : null;
    if (entry.text) {
      item.appendChild(el("p", { className: "hb-text" }, richText(entry.text, cardHref)));
    }
    if (entry.card) item.appendChild(kbCard(entry.card));
    if (entry.kind === "escalation") item.appendChild(escalationCard(entry.data));
    if (entry.buttons && entry.buttons.length) {
      // Buttons under an answer card are further articles: say so.
      const related = entry.card ? el("p", { className: "hb-related", id: entry.id + "-related",
                                             text: L.related_articles }) : null;
      if (related) item.appendChild(related);
      const group = buttonGroup(entry);
      if (related) group.setAttribute("aria-labelledby", related.id);
      item.appendChild(group);
    }
    if (hasFailed(entry)) {
      item.classList.add("hb-failed");
      item.appendChild(el("p", { className: "hb-error", role: "alert" },
        el("span", { text: entry.error || L.failed }), " ",
        el("button", { type: "button", className: "hb-retry", text: L.retry,
                       onclick: () => retry(entry.id) })));
    }
    return item;
  }

  // The greeting at the top of the log: drawn here, never stored nor sent, so opening the
  // chat starts no conversation on the server. Until the user says something it offers
  // the page's suggested questions.
  function greeting(started) {
    const item = el("li", { className: "hb-intro hb-bot" },
      el("span", { className: "hb-who", text: L.assistant }),
      el("div", { className: "hb-text" },
        el("p", { text: L.greeting }),
        el("ul", {},
          el("li", { text: L.greeting_answer }),
          el("li", { text: L.greeting_report }),
          el("li", { text: L.greeting_person }))));
    if (!started && SUGGESTIONS.length) {
      const heading = el("p", { className: "hb-related", id: "hb-suggestions-title",
                                text: L.suggestions });
      const group = el("div", { className: "hb-buttons hb-suggestions", role: "group",
                                "aria-labelledby": heading.id });
      for (const suggestion of SUGGESTIONS) {
        group.appendChild(el("button", { type: "button", className: "hb-quick",
                                         text: suggestion.title, disabled: busy,
                                         onclick: () => suggest(suggestion) }));
      }
      item.append(heading, group);
    }
    return item;
  }

  // What the log shows was drawn from this; drawn again only when it changes, so that a
  // poll or another tab's typing does not scroll the log back down for nothing.
  let drawn = null;
  let staleTimer = null;

  function render() {
    const othersSending = state.log.filter((entry) => entry.pending && entry.pending !== TAB
                                                      && inFlight(entry));
    busy = state.log.some(inFlight);
    sendButton.disabled = busy;
    const typingText = busy ? L.typing : "";
    if (typing.textContent !== typingText) typing.textContent = typingText;
    typing.classList.toggle("hb-visible", busy);
    // A message another tab was sending shows as failed once that tab is gone for good.
    clearTimeout(staleTimer);
    if (othersSending.length) {
      const due = Math.min(...othersSending.map((entry) => (entry.since || 0) + STALE_MS));
      staleTimer = setTimeout(render, Math.max(0, due - Date.now()) + 50);
    }
    const picture = JSON.stringify([state.sender, state.log, state.handoff, busy,
                                    state.log.map(hasFailed)]);
    if (picture === drawn) return;
    drawn = picture;
    const started = state.log.some((entry) => entry.kind === "user");
    logList.replaceChildren(greeting(started), ...state.log.map(renderEntry));
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

  // ---- full screen: a modal dialog ---------------------------------------------------

  // The elements this widget made inert (and only those are made active again).
  let inerted = [];

  // Full screen and open: modal, with the page behind inert; otherwise a floating,
  // non-modal panel beside the page.
  function updateModal() {
    const modal = !panel.hidden && FULL_SCREEN.matches;
    panel.setAttribute("aria-modal", String(modal));
    for (const node of inerted) node.inert = false;
    inerted = [];
    if (!modal) return;
    for (const node of document.body.children) {
      if (node === root || node.contains(root) || node.inert) continue;
      if (node.tagName === "SCRIPT") continue;
      node.inert = true;
      inerted.push(node);
    }
  }

  // Full screen, the chat fits above the on-screen keyboard (the visual viewport), so the
  // message box stays in sight while typing.
  function fitViewport() {
    const viewport = window.visualViewport;
    if (!viewport || !FULL_SCREEN.matches) {
      panel.style.removeProperty("--hb-viewport-height");
      panel.style.removeProperty("--hb-viewport-top");
      return;
    }
    panel.style.setProperty("--hb-viewport-height", viewport.height + "px");
    panel.style.setProperty("--hb-viewport-top", viewport.offsetTop + "px");
  }

  // What Tab can reach in the panel, in order.
  function focusables() {
    return [...panel.querySelectorAll("a[href], button, textarea, input, select, [tabindex]")]
      .filter((node) => !node.disabled && node.tabIndex >= 0 && node.getClientRects().length);
  }

  // While modal, Tab and Shift+Tab go round the dialog instead of leaving it.
  function trapFocus(event) {
    if (event.key !== "Tab" || panel.getAttribute("aria-modal") !== "true") return;
    const nodes = focusables();
    if (!nodes.length) return;
    const first = nodes[0];
    const last = nodes[nodes.length - 1];
    const inside = panel.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  }

  // What had the focus when the chat opened (the launcher, or a page's own "open the
  // assistant" button): closing gives the focus back there.
  let opener = null;

  function setOpen(open, focus) {
    if (open && panel.hidden) {
      const active = document.activeElement;
      opener = active && active !== document.body && !root.contains(active) ? active : null;
    }
    commit((current) => {
      current.open = open;
    });
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.hidden = open;
    updateModal();
    if (open) {
      log.scrollTop = log.scrollHeight;
      if (focus) input.focus();
    } else if (focus) {
      const back = opener && opener.isConnected && !opener.closest("[inert]")
        && opener.getClientRects().length ? opener : launcher;
      opener = null;
      back.focus();
    }
  }

  // A paste longer than the room left is cut by the box's maxlength: say so, instead of
  // losing the end silently.
  let pasteCut = false;

  function updateCounter() {
    if (!input.value) pasteCut = false;
    const left = MAX_MESSAGE_CHARS - input.value.length;
    counter.textContent = pasteCut ? format(L.pasted_too_long, { max: MAX_MESSAGE_CHARS })
      : left < 200 ? format(L.characters_left, { count: left }) : "";
  }

  // ---- talking to the assistant -----------------------------------------------------

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

  // The channel's replies, as log entries (the caller gives them their ids). A KB payload
  // becomes a card on the text it belongs to (Rasa sends the text and the custom payload
  // as two items).
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

  function noteEscalation(current, data) {
    if (data.decision === "handoff" && data.ticket_id) {
      // "pending" until the first poll says whether an agent is live or it goes by email.
      setHandoff(current, { ticket_id: data.ticket_id, status: "pending",
                            agent_language: data.agent_language, agent_name: null });
    }
  }

  // Puts the assistant's replies into the log at `at`; an escalation starts a handoff.
  function addReplies(current, entries, at) {
    current.log.splice(at, 0, ...entries);
    for (const entry of entries) {
      if (entry.kind === "escalation") noteEscalation(current, entry.data);
    }
  }

  // Buttons of earlier messages stop being clickable once the user moves on.
  function closeOpenButtons(current) {
    for (const entry of current.log) {
      if (entry.buttons && entry.buttons.length && !entry.answered) {
        entry.answered = true;
        touch(entry);
      }
    }
  }

  // Sends the user's entry `id`; its answer goes into the conversation as it is by then.
  async function deliver(id) {
    const entry = findEntry(state, id);
    if (!entry) {
      sending.delete(id);
      return;
    }
    const sender = state.sender;
    sending.add(id);
    render();
    let replies = null;
    let failure = null;
    try {
      const response = await fetch(config.chatUrl + "/webhook", {
        method: "POST", headers: headers(),
        // message_id is the same on every retry: during a handoff the agent gets it once.
        // origin "suggestion": the answer is not counted as asked (bot/web/suggestions.py).
        body: JSON.stringify({ sender, message: entry.payload || entry.text,
                               metadata: { locale: config.locale, timezone: timeZone(),
                                           message_id: id,
                                           ...(entry.origin ? { origin: entry.origin } : {}) } }),
      });
      const body = await response.json().catch(() => null);
      if (response.ok) replies = entriesFrom(body);
      else failure = { status: response.status, body };
    } catch (error) {
      failure = { network: true };
    }
    sending.delete(id);
    let restartNotice = null;
    let carried = null;  // a typed message that goes on into the new conversation
    commit((current) => {
      const sent = current.sender === sender ? findEntry(current, id) : null;
      if (!sent) return;  // a new conversation started meanwhile
      delete sent.pending;
      delete sent.since;
      touch(sent);
      if (failure) {
        const problem = failure.network ? { message: L.error_network }
          : errorFor(current, failure.status, failure.body);
        sent.failed = true;
        sent.error = problem.message;
        if (problem.restart) {
          restartNotice = problem.message;
          // A button belonged to the old conversation; typed words do not: never lose them.
          if (!sent.payload) carried = { text: sent.text, origin: sent.origin };
        }
        return;
      }
      sent.failed = false;
      delete sent.error;
      // Right after the message (and its earlier answers), even if more came meanwhile.
      let at = current.log.indexOf(sent) + 1;
      while (at < current.log.length && current.log[at].re === id) at += 1;
      addReplies(current, replies.map((reply) => newEntry({ ...reply, re: id })), at);
    });
    syncSignIn();
    if (restartNotice) {
      restart(restartNotice);
      if (carried) send(carried.text, null, carried.origin);
    }
    ensurePolling();
  }

  function errorFor(current, status, body) {
    const detail = body && typeof body.detail === "string" ? body.detail : String(status);
    if (status === 401) {
      // The token is no good any more; carry on as a guest in a new conversation.
      current.token = null;
      current.user = null;
      return { message: L.error_session };
    }
    if (status === 403) return { message: L.error_forbidden, restart: true };
    if (status === 413) return { message: format(L.error_too_long, { max: MAX_MESSAGE_CHARS }) };
    if (body && body.error === "empty_message") return { message: L.error_empty };
    if (status >= 500) return { message: L.error_unavailable };
    return { message: format(L.error_invalid, { detail }) };
  }

  // Is a message on its way, from this tab or another? (read from the stored state)
  function busyNow() {
    return refreshState().log.some(inFlight);
  }

  function send(text, payload, origin) {
    if (busyNow()) {
      render();
      return false;
    }
    const entry = newEntry({ kind: "user", text, pending: TAB, since: Date.now() });
    if (payload) entry.payload = payload;
    if (origin) entry.origin = origin;
    sending.add(entry.id);
    commit((current) => {
      closeOpenButtons(current);
      current.log.push(entry);
    });
    deliver(entry.id);
    return true;
  }

  function retry(id) {
    if (busyNow()) return;
    const entry = findEntry(state, id);
    if (!entry || !hasFailed(entry)) return;
    sending.add(id);
    commit((current) => {
      const failed = findEntry(current, id);
      if (!failed) return;
      failed.pending = TAB;
      failed.since = Date.now();
      failed.failed = false;
      delete failed.error;
      touch(failed);
    });
    deliver(id);
  }

  // A suggested question from the greeting, sent like a quick reply.
  function suggest(suggestion) {
    if (busyNow()) return;
    send(suggestion.title, suggestion.payload, "suggestion");
    input.focus();
  }

  function choose(id, position) {
    if (busyNow()) return;
    const entry = findEntry(state, id);
    if (!entry || entry.answered || !entry.buttons[position]) return;
    const button = entry.buttons[position];
    const kind = buttonKind(entry.buttons);
    // Feedback shows as its word (the button's emoji may not be drawn).
    const shown = kind === "rating" ? "★ " + button.title
      : kind === "feedback" ? L[FEEDBACK[button.payload]] : button.title;
    commit((current) => {
      const chosen = findEntry(current, id);
      if (chosen) {
        chosen.chosen = position;
        touch(chosen);
      }
    });
    send(shown, button.payload);
    input.focus();
  }

  // A new conversation, in every tab; `identity` ({token, user}) signs it in as someone.
  function restart(notice, identity) {
    stopPolling();
    releaseLease();
    const next = freshState(refreshState());
    if (identity) {
      next.token = identity.token;
      next.user = identity.user;
    }
    if (notice) next.log.push(newEntry({ kind: "notice", text: notice }));
    state = next;
    save();
    syncSignIn();
    render();
  }

  // ---- live handoff -------------------------------------------------------------------

  let pollTimer = null;
  let polling = false;  // a poll request is on its way

  function wantsPolling(current) {
    return Boolean(current.handoff && POLLED_STATES.has(current.handoff.status));
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  function startPolling(delay) {
    stopPolling();
    pollTimer = setTimeout(poll, delay);
  }

  // Every tab keeps the poll loop going while a handoff is live; the lease says which one
  // actually asks the server (the others see its results through the storage event).
  function ensurePolling() {
    if (!wantsPolling(state)) {
      stopPolling();
      releaseLease();
    } else if (pollTimer === null && !polling) {
      startPolling(0);
    }
  }

  function readLease() {
    try {
      return JSON.parse(localStorage.getItem(LEASE_KEY));
    } catch (error) {
      return null;
    }
  }

  // True if this tab may poll now: nobody else holds a current lease for this conversation.
  function takeLease(sender) {
    const lease = readLease();
    const now = Date.now();
    if (lease && lease.tab !== TAB && lease.sender === sender && lease.until > now) return false;
    try {
      localStorage.setItem(LEASE_KEY, JSON.stringify({ tab: TAB, sender, until: now + LEASE_MS }));
    } catch (error) {
      // No storage: every tab polls, and merging by id still shows each message once.
    }
    return true;
  }

  function releaseLease() {
    const lease = readLease();
    if (!lease || lease.tab !== TAB) return;
    try {
      localStorage.removeItem(LEASE_KEY);
    } catch (error) {
      // It expires by itself.
    }
  }

  // A poll's news, into the conversation as it is now; what is already there is skipped.
  function applyUpdates(current, body) {
    const ticket = (body.handoff && body.handoff.ticket_id)
      || (current.handoff && current.handoff.ticket_id) || "";
    for (const message of body.messages || []) {
      const id = "agent-" + message.id;
      if (!findEntry(current, id)) {
        // An article the agent sent: the assistant's card, in the user's language.
        const card = message.kind === "article" && message.card ? message.card : null;
        current.log.push({ id, v: 1, kind: "agent", message_id: message.id,
                           text: card ? String(card.summary || "") : String(message.text),
                           card, lang: message.lang || null,
                           name: message.agent_name || null });
      }
      current.after = Math.max(current.after || 0, Number(message.id) || 0);
    }
    if (body.handoff) {
      setHandoff(current, { ...current.handoff, ...body.handoff,
                            agent_name: body.handoff.agent_name
                              || (current.handoff && current.handoff.agent_name) || null });
      // "<name> joined" in the log as soon as the agent claims the ticket (once per ticket),
      // before the agent's first message.
      const joined = "joined-" + ticket;
      if (ticket && body.handoff.status === "with_agent" && body.handoff.agent_name
          && !findEntry(current, joined)) {
        const first = current.log.findIndex((e) => e.kind === "agent"
                                            && String(e.id).startsWith("agent-"));
        const notice = { id: joined, v: 1, kind: "notice",
                         text: format(L.agent_joined, { name: body.handoff.agent_name }) };
        if (first >= 0) current.log.splice(first, 0, notice);
        else current.log.push(notice);
      }
    }
    // The assistant's replies once the agent resolved (the server gives them to one poll
    // only): the notice and the rating prompt, with ids every tab would give them.
    const back = "resumed-" + ticket;
    if (body.replies && body.replies.length && !findEntry(current, back)) {
      addReplies(current, [
        { id: back, v: 1, kind: "notice", text: L.back_to_assistant },
        ...entriesFrom(body.replies).map((entry, n) => ({ id: `${back}-${n}`, v: 1, ...entry })),
      ], current.log.length);
    }
    const email = "email-" + ticket;
    if (current.handoff && current.handoff.status === "email"
        && !current.log.some((e) => e.id === email
                                    || (e.kind === "notice" && e.text === L.email_mode))) {
      current.log.push({ id: email, v: 1, kind: "notice", text: L.email_mode });
    }
  }

  async function poll() {
    pollTimer = null;
    refreshState();
    if (!wantsPolling(state)) {
      releaseLease();
      return;
    }
    const sender = state.sender;
    if (!takeLease(sender)) {
      startPolling(POLL_MS);  // another tab polls
      return;
    }
    polling = true;
    let next = POLL_MS;
    try {
      const url = config.chatUrl + "/updates?sender=" + encodeURIComponent(sender)
        + "&after=" + encodeURIComponent(state.after || 0);
      const response = await fetch(url, { headers: headers() });
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        commit((current) => {
          if (current.sender === sender) setHandoff(current, null);
        });
      } else {
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        commit((current) => {
          if (current.sender === sender) applyUpdates(current, body);
        });
      }
    } catch (error) {
      next = POLL_BACKOFF_MS;  // the service is down or unreachable: keep trying, slower
    } finally {
      polling = false;
    }
    if (pollTimer !== null) return;
    if (wantsPolling(state)) startPolling(next);
    else releaseLease();
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
      restart(null, { token, user: userId || null });
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
      updateCounter();
      commit((current) => {
        current.draft = "";
      });
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("paste", (event) => {
    const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    const selected = (input.selectionEnd || 0) - (input.selectionStart || 0);
    pasteCut = pasted.length > MAX_MESSAGE_CHARS - (input.value.length - selected);
  });
  input.addEventListener("input", (event) => {
    if (event.inputType !== "insertFromPaste") pasteCut = false;
    updateCounter();
    commit((current) => {
      current.draft = input.value;
    });
  });
  // On the document, not the panel: in the modal mode the focus may have dropped to the
  // body (a button that got disabled under it), and Escape and Tab must still work.
  document.addEventListener("keydown", (event) => {
    if (panel.hidden) return;
    const modal = panel.getAttribute("aria-modal") === "true";
    if (event.key === "Escape" && (modal || panel.contains(document.activeElement))) {
      setOpen(false, true);
    } else {
      trapFocus(event);
    }
  });
  // Turning the phone or resizing the window switches between modal and floating.
  FULL_SCREEN.addEventListener("change", () => {
    updateModal();
    fitViewport();
  });
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", fitViewport);
    window.visualViewport.addEventListener("scroll", fitViewport);
  }
  fitViewport();
  launcher.addEventListener("click", () => setOpen(true, true));
  closeButton.addEventListener("click", () => setOpen(false, true));
  restartButton.addEventListener("click", () => {
    restart(null);
    input.focus();
  });

  // Another tab changed the conversation: show it as it is now.
  window.addEventListener("storage", (event) => {
    if (event.storageArea !== localStorage) return;
    if (event.key !== null && event.key !== STORAGE_KEY) return;
    const stored = readStored();
    if (!stored) return;  // cleared: this tab's copy is stored again with its next change
    const { merged, mine } = merge(stored, state);
    state = merged;
    if (mine) save();  // a change of this tab's that a concurrent write lost: put it back
    syncSignIn();
    render();
    ensurePolling();
  });
  // Leaving the page: what it was still sending has no answer (offer to resend it), and
  // another tab takes over the polling at once.
  window.addEventListener("pagehide", () => {
    stopPolling();
    releaseLease();
    const unanswered = [...sending];
    sending.clear();
    if (!unanswered.length) return;
    commit((current) => {
      for (const id of unanswered) {
        const entry = findEntry(current, id);
        if (entry && entry.pending === TAB) {
          delete entry.pending;
          delete entry.since;
          entry.failed = true;
          touch(entry);
        }
      }
    });
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;  // back from the back-forward cache
    refreshState();
    syncSignIn();
    render();
    ensurePolling();
  });

  input.value = state.draft || "";
  updateCounter();
  setOpen(Boolean(state.open), false);
  loadDemoUsers();
  ensurePolling();

  // For the page and the browser tests: the widget's state, read-only.
  window.helpbotWidget = Object.freeze({ state: () => JSON.parse(JSON.stringify(state)) });
})();
