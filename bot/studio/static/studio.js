// The editors' studio. Plain JavaScript, no framework, no build step.
//
// Safety rule: every piece of data (user messages, titles, server messages) is inserted with
// textContent or as attribute values, never as HTML. The single exception is the article
// preview, which the server renders with markdown-it (html disabled) and sanitises; it goes
// into the clearly marked #article-preview box and nowhere else.
"use strict";

(() => {
  const LANGS = ["en", "fr", "it", "nb", "ru"];
  const REASONS = ["fallback", "kb_no_hit", "voted_down", "escalated_after_answer", "low_confidence"];
  const MEASURES = ["intent_f1", "kb_hit_at_1", "priority_accuracy", "conversation_tests"];
  const STEPS = ["validate", "build_kb_index", "train", "evaluate_in_service", "evaluate_candidate", "gate", "promote"];
  const ARTICLE_FIELDS = ["title", "summary", "body", "questions"];
  const POLL_MS = 1500;
  const CHECK_DEBOUNCE_MS = 400;
  const KEY_UI = "studio.ui-language";
  const KEY_DRAFT = "studio.article-draft";
  const I18N = window.STUDIO_I18N || { en: {} };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- storage
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } },
    remove(key) { try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ } },
  };

  // ---------------------------------------------------------------- state
  const state = {
    ui: "en",
    me: null,
    screen: "inbox",
    inbox: null,               // the last /inbox answer
    openGroups: new Set(),     // keys of expanded groups (kept across reloads)
    typed: new Map(),          // what the editor typed in dialogs, per message and action
    job: null,                 // the last retrain job shown
    pollTimer: null,
    models: null,
    check: null,               // the last /articles/check answer
    checkSeq: 0,
    checkTimer: null,
    activeLang: "en",
    templateTried: false,
  };

  // ---------------------------------------------------------------- i18n
  function pickLanguage(candidates) {
    for (const candidate of candidates) {
      if (!candidate) continue;
      let code = String(candidate).toLowerCase().split(/[-_]/)[0];
      if (code === "no" || code === "nn") code = "nb";
      if (LANGS.includes(code)) return code;
    }
    return null;
  }

  function t(key, vars) {
    const table = I18N[state.ui] || {};
    let text = table[key];
    if (text === undefined) text = (I18N.en || {})[key];
    if (text === undefined) text = key;
    return text.replace(/\{(\w+)\}/g, (match, name) =>
      vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : match);
  }

  // Plural forms: key_one, key_few, key_many, key_other (Intl.PluralRules picks).
  function tp(key, count, vars) {
    const rule = new Intl.PluralRules(state.ui).select(count);
    const table = I18N[state.ui] || {};
    const name = table[`${key}_${rule}`] !== undefined ? `${key}_${rule}` : `${key}_other`;
    return t(name, Object.assign({ n: fmtInt(count) }, vars || {}));
  }

  function fmtInt(n) { return new Intl.NumberFormat(state.ui).format(n); }
  function fmtPct(x, digits = 0) {
    return new Intl.NumberFormat(state.ui, { style: "percent", maximumFractionDigits: digits }).format(x);
  }
  function fmtNum(x, digits = 3) {
    return new Intl.NumberFormat(state.ui, { maximumFractionDigits: digits }).format(x);
  }
  function fmtDate(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return new Intl.DateTimeFormat(state.ui, { dateStyle: "medium", timeStyle: "short" }).format(date);
  }
  function langName(code) {
    try {
      const name = new Intl.DisplayNames([state.ui], { type: "language" }).of(code);
      if (name) return name.charAt(0).toLocaleUpperCase(state.ui) + name.slice(1);
    } catch (e) { /* old browser */ }
    return code;
  }

  function applyStaticTexts() {
    document.documentElement.lang = state.ui;
    document.title = t("app_title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-aria-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
    }
    $("ui-language").value = state.ui;
  }

  function setUi(lang, remember) {
    state.ui = LANGS.includes(lang) ? lang : "en";
    if (remember) store.set(KEY_UI, state.ui);
    applyStaticTexts();
    renderAll();
  }

  // ---------------------------------------------------------------- DOM helpers
  // el("li", {class: "x", testid: "y", text: "z", attrs...}, child, ...): children are nodes or text.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name === "testid") node.setAttribute("data-testid", value);
      else if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
      else if (name === "hidden") node.hidden = true;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Busy buttons keep their focus (a disabled button would drop it to <body>): they are
  // aria-disabled, and their handlers ignore clicks while busy.
  function setBusy(button, busy) {
    if (busy) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }
  const isBusy = (button) => button.getAttribute("aria-disabled") === "true";

  function note(text) {
    $("note").textContent = "";
    // A fresh text node so screen readers announce the same note twice in a row.
    window.setTimeout(() => {
      $("note").textContent = text;
      $("toast").classList.toggle("show", Boolean(text));
      $("note-close").hidden = !text;
    }, 30);
  }
  $("note-close").addEventListener("click", () => {
    $("note").textContent = "";
    $("toast").classList.remove("show");
    $("note-close").hidden = true;
  });
  function globalError(text) { $("error").textContent = text || ""; }

  function reasonBadge(reason) {
    return el("span", { class: `badge ${reason}`, title: t(`reason_${reason}_help`), "data-reason": reason },
      t(`reason_${reason}`));
  }
  function langChip(code) {
    return el("span", { class: "chip", title: langName(code), "aria-label": langName(code) },
      String(code).toUpperCase());
  }

  // ---------------------------------------------------------------- API
  class ApiError extends Error {
    constructor(status, body) {
      super(`HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", credentials: "same-origin", headers: {} };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, null);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401 && !options.allow401) sessionEnded();
      throw new ApiError(response.status, body);
    }
    return body;
  }

  // The localised sentence for a failure; the server's own detail (English) is appended as is.
  function describeError(error) {
    if (!(error instanceof ApiError)) return t("err_unexpected");
    if (error.status === 0) return t("err_network");
    if (error.status === 401) return t("err_session");
    const detail = typeof error.body.detail === "string" ? error.body.detail : "";
    const base = t("err_server", { status: error.status });
    return detail ? `${base} ${t("server_said")} ${/[.!?]$/.test(detail) ? detail : `${detail}.`}` : base;
  }

  // ---------------------------------------------------------------- screens
  const SCREENS = ["inbox", "article", "retrain", "history"];

  function showSignIn(message) {
    for (const name of SCREENS) $(`screen-${name}`).hidden = true;
    $("nav").hidden = true;
    $("logout").hidden = true;
    $("me-name").hidden = true;
    $("screen-signin").hidden = false;
    $("signin-error").textContent = message || "";
    stopPolling();
  }

  function sessionEnded() {
    if (!state.me) return;
    state.signedOutEditor = state.me.id;
    state.me = null;
    for (const dialog of document.querySelectorAll("dialog[open]")) {
      // Keep the dialog's text (stored in state.typed on every keystroke); close it, and
      // open it again once the editor has signed in.
      if (dialog._reopen) state.reopenAfterSignIn = dialog._reopen;
      dialog.close();
    }
    showSignIn(t("err_session"));
    $("editor-id").focus();
  }

  function showScreen(name, options = {}) {
    if (!SCREENS.includes(name)) name = "inbox";
    state.screen = name;
    $("screen-signin").hidden = true;
    for (const screen of SCREENS) $(`screen-${screen}`).hidden = screen !== name;
    for (const button of $("nav").querySelectorAll("button")) {
      if (button.dataset.screen === name) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
    if (name === "inbox") loadInbox();
    if (name === "history") loadModels();
    if (name === "article") openArticleScreen();
    if (options.focus) {
      const heading = $(`screen-${name}`).querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function signedIn(me) {
    state.me = me;
    if (!store.get(KEY_UI)) {
      const lang = pickLanguage([me.interface_language]);
      if (lang && lang !== state.ui) setUi(lang, false);
    }
    $("nav").hidden = false;
    $("logout").hidden = false;
    $("me-name").hidden = false;
    renderMe();
    const wanted = location.hash.replace("#", "");
    showScreen(SCREENS.includes(wanted) ? wanted : state.screen);
    loadLatestJob();
  }

  function renderMe() {
    if (!state.me) return;
    const languages = (state.me.languages || []).map((code) => String(code).toUpperCase()).join(", ");
    $("me-name").textContent = t("signed_in_as", { name: state.me.name || state.me.id, languages });
  }

  // ---------------------------------------------------------------- sign in / out
  $("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const editorId = $("editor-id").value.trim();
    const password = $("password").value;
    $("signin-error").textContent = "";
    for (const input of [$("editor-id"), $("password")]) input.removeAttribute("aria-invalid");
    if (!editorId || !password) {
      $("signin-error").textContent = t("signin_missing");
      (editorId ? $("password") : $("editor-id")).setAttribute("aria-invalid", "true");
      (editorId ? $("password") : $("editor-id")).focus();
      return;
    }
    const button = $("signin").querySelector("button[type=submit]");
    if (isBusy(button)) return;
    setBusy(button, true);
    try {
      const me = await api("/api/studio/login", {
        method: "POST", body: { editor_id: editorId, password }, allow401: true });
      $("password").value = "";
      signedIn(me);
      const heading = $(`screen-${state.screen}`).querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      const reopen = state.reopenAfterSignIn;
      state.reopenAfterSignIn = null;
      if (reopen && me.id === state.signedOutEditor) reopen();
    } catch (error) {
      $("signin-error").textContent = error.status === 401 ? t("signin_bad") : describeError(error);
      if (error.status === 401) $("password").setAttribute("aria-invalid", "true");
      $("password").focus();
    } finally {
      setBusy(button, false);
    }
  });

  $("logout").addEventListener("click", async () => {
    try { await api("/api/studio/logout", { method: "POST", allow401: true }); } catch (e) { /* gone anyway */ }
    state.me = null;
    state.inbox = null;
    state.models = null;
    state.typed.clear();
    showSignIn("");
    note(t("signed_out"));
    $("editor-id").focus();
  });

  $("ui-language").addEventListener("change", () => setUi($("ui-language").value, true));

  $("nav").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-screen]");
    if (button) showScreen(button.dataset.screen);
  });
  $("nav").addEventListener("keydown", (event) => {
    const buttons = [...$("nav").querySelectorAll("button")];
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = buttons[(index + 1) % buttons.length];
    if (event.key === "ArrowLeft") next = buttons[(index - 1 + buttons.length) % buttons.length];
    if (next) { event.preventDefault(); next.focus(); }
  });
  window.addEventListener("hashchange", () => {
    const wanted = location.hash.replace("#", "");
    if (state.me && SCREENS.includes(wanted) && wanted !== state.screen) showScreen(wanted);
  });

  // ---------------------------------------------------------------- dialogs
  // showModal() makes the page inert; we also keep Tab inside the dialog (no escape to the
  // browser's toolbar), close on Escape, and give focus back to the button that opened it.
  const FOCUSABLE = "button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])";

  function focusables(container) {
    return [...container.querySelectorAll(FOCUSABLE)].filter((node) =>
      !node.disabled && !node.closest("[hidden]") && node.getClientRects().length > 0);
  }

  function openDialog(dialog, opener, onSubmit, focusTarget, reopen) {
    dialog._opener = opener || document.activeElement;
    // How to open it again with what was typed, if the session ends while it is open.
    dialog._reopen = reopen || null;
    dialog._onSubmit = onSubmit;
    dialog._restoreFocus = true;
    clearDialogErrors(dialog);
    dialog.showModal();
    const target = focusTarget || focusables(dialog)[0];
    if (target) target.focus();
  }

  function closeDialog(dialog, restoreFocus = true) {
    dialog._restoreFocus = restoreFocus;
    if (dialog.open) dialog.close();
  }

  function clearDialogErrors(dialog) {
    for (const node of dialog.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of dialog.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  for (const dialog of document.querySelectorAll("dialog")) {
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const items = focusables(dialog);
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
    dialog.addEventListener("close", () => {
      const opener = dialog._opener;
      dialog._opener = null;
      if (dialog._restoreFocus && opener && opener.isConnected) opener.focus();
    });
    dialog.addEventListener("cancel", (event) => {
      if (dialog._busy) event.preventDefault();   // let a request finish first
    });
    for (const button of dialog.querySelectorAll("[data-close]")) {
      button.addEventListener("click", () => closeDialog(dialog));
    }
    dialog.querySelector("form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (dialog._busy || !dialog._onSubmit) return;
      const submit = dialog.querySelector("button[type=submit]");
      dialog._busy = true;
      setBusy(submit, true);
      dialog.setAttribute("aria-busy", "true");
      try {
        await dialog._onSubmit();
      } finally {
        dialog._busy = false;
        setBusy(submit, false);
        dialog.removeAttribute("aria-busy");
      }
    });
  }

  // Shows the API's problems next to their fields (the messages are the server's, in English);
  // the sentence around them is localised. Problems with no field here go to the general line.
  function showProblems(dialog, problems) {
    clearDialogErrors(dialog);
    const general = [];
    for (const problem of problems || []) {
      const text = problem.lang ? `${String(problem.lang).toUpperCase()}: ${problem.message}` : problem.message;
      const target = dialog.querySelector(`.field-error[data-field="${cssEscape(problem.field || "")}"]`);
      if (target && problem.field) {
        target.textContent = target.textContent ? `${target.textContent}\n${text}` : text;
        const input = target.closest(".field").querySelector("input, select, textarea");
        if (input) input.setAttribute("aria-invalid", "true");
      } else {
        general.push(problem.field ? `${problem.field}: ${text}` : text);
      }
    }
    const lines = [t("refused")];
    if (general.length) lines.push(...general.map((line) => `• ${line}`));
    else lines.push(t("fix_marked"));
    dialog.querySelector(".dialog-error").textContent = lines.join("\n");
    const invalid = dialog.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  }

  function showDialogFailure(dialog, error, typed = true) {
    if (error instanceof ApiError && error.status === 422 && Array.isArray(error.body.problems)) {
      showProblems(dialog, error.body.problems);
      return;
    }
    dialog.querySelector(".dialog-error").textContent = typed ? `${describeError(error)} ${t("kept_typed")}` : describeError(error);
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  function savedNote(result) {
    return result && result.file ? t("saved_in", { file: result.file }) : t("saved");
  }

  // ---------------------------------------------------------------- inbox
  function renderFilters() {
    const langSelect = $("filter-lang");
    const reasonSelect = $("filter-reason");
    const lang = langSelect.value || "all";
    const reason = reasonSelect.value || "all";
    langSelect.replaceChildren(el("option", { value: "all" }, t("all_languages")),
      ...LANGS.map((code) => el("option", { value: code }, langName(code))));
    reasonSelect.replaceChildren(el("option", { value: "all" }, t("all_reasons")),
      ...REASONS.map((code) => el("option", { value: code }, t(`reason_${code}`))));
    langSelect.value = lang;
    reasonSelect.value = reason;
    $("reason-legend").replaceChildren(...REASONS.flatMap((code) =>
      [el("dt", {}, reasonBadge(code)), el("dd", {}, t(`reason_${code}_help`))]));
  }

  $("filter-lang").addEventListener("change", () => loadInbox());
  $("filter-reason").addEventListener("change", () => loadInbox());
  $("inbox-refresh").addEventListener("click", () => loadInbox());

  let inboxSeq = 0;
  async function loadInbox(focus) {
    const seq = ++inboxSeq;
    const query = new URLSearchParams({ lang: $("filter-lang").value || "all", reason: $("filter-reason").value || "all" });
    $("inbox-status").textContent = t("loading");
    $("inbox-list").setAttribute("aria-busy", "true");
    try {
      const data = await api(`/api/studio/inbox?${query}`);
      if (seq !== inboxSeq) return;
      state.inbox = data;
      renderInbox();
      restoreInboxFocus(focus);
    } catch (error) {
      if (seq !== inboxSeq) return;
      $("inbox-status").textContent = `${t("inbox_failed")} ${describeError(error)}`;
    } finally {
      if (seq === inboxSeq) $("inbox-list").removeAttribute("aria-busy");
    }
  }

  function intentDescription(name) {
    const intents = (state.inbox && state.inbox.intents) || [];
    const found = intents.find((intent) => intent.name === name);
    return found && found.description ? found.description : "";
  }

  function renderInbox() {
    const list = $("inbox-list");
    const data = state.inbox;
    if (!data) { list.replaceChildren(); return; }
    const groups = data.groups || [];
    const messageCount = groups.reduce((sum, group) => sum + (group.messages || []).length, 0);
    $("inbox-status").textContent = groups.length
      ? `${tp("groups", groups.length)}, ${tp("messages", messageCount)}.`
      : t("inbox_empty");
    list.replaceChildren(...groups.map((group, index) => renderGroup(group, index)));
  }

  function renderGroup(group, index) {
    const open = state.openGroups.has(group.key);
    const bodyId = `group-body-${index}`;
    const toggle = el("button", {
      type: "button", class: "group-toggle", "aria-expanded": open ? "true" : "false",
      "aria-controls": bodyId, testid: "inbox-group-toggle", "data-key": group.key,
    },
    el("span", { class: "caret", "aria-hidden": "true" }, "▸"),
    el("span", { class: "group-title" }, group.title || (group.messages && group.messages[0] ? group.messages[0].text : "")),
    el("span", { class: "group-size" }, tp("messages", group.size ?? (group.messages || []).length)),
    el("span", { class: "sr-only" }, `${t("languages")}:`),
    ...(group.languages || []).map(langChip),
    el("span", { class: "sr-only" }, `${t("why_here")}:`),
    ...(group.reasons || []).map(reasonBadge));
    toggle.addEventListener("click", () => toggleGroup(group.key));

    const teachAll = el("button", {
      type: "button", class: "secondary", testid: "action-teach-group",
      on: { click: (event) => openGroupDialog(group, event.currentTarget) },
    }, t("teach_group"));
    const body = el("div", { class: "group-body", id: bodyId, hidden: !open },
      el("div", { class: "group-actions" }, teachAll),
      ...(group.messages || []).map((message) => renderMessage(message, group)));
    return el("li", { testid: "inbox-group", "data-key": group.key, class: "group" }, toggle, body);
  }

  function renderMessage(message, group) {
    const facts = el("dl", { class: "message-facts" });
    const addFact = (label, ...value) => facts.append(el("dt", {}, label), el("dd", {}, ...value));
    const description = intentDescription(message.intent);
    addFact(t("language"), langChip(message.lang), ` ${langName(message.lang)}`);
    addFact(t("when"), fmtDate(message.at));
    addFact(t("predicted_intent"),
      el("code", {}, message.intent || "—"),
      message.confidence !== null && message.confidence !== undefined ? ` · ${fmtPct(message.confidence)}` : "",
      description ? ` — ${description}` : "");
    addFact(t("article_given"), message.article_title || message.article_id || t("no_article"));
    addFact(t("why_here"), ...(message.reasons || []).flatMap((reason) => [reasonBadge(reason), " "]));

    const context = el("ol", { class: "context", "aria-label": t("conversation") });
    for (const turn of message.context || []) {
      const who = turn.author === "user" ? t("who_user") : t("who_bot");
      const item = el("li", { class: `${turn.author === "user" ? "user" : "bot"}${turn.current ? " current" : ""}`,
        "aria-current": turn.current ? "true" : null, testid: turn.current ? "context-current" : "context-turn" },
      el("span", { class: "who" }, `${who}:`),
      el("span", { lang: message.lang }, turn.text || ""));
      if (turn.author === "user" && turn.intent) {
        item.append(el("span", { class: "meta" },
          `(${turn.intent}${turn.confidence !== null && turn.confidence !== undefined ? ` · ${fmtPct(turn.confidence)}` : ""})`));
      }
      if (turn.current) item.append(el("span", { class: "sr-only" }, ` — ${t("this_message")}`));
      context.append(item);
    }

    const button = (testid, label, handler) => el("button", {
      type: "button", class: "secondary", testid, on: { click: (event) => handler(message, event.currentTarget) },
    }, label);
    const textId = `msg-text-${cssId(message.key)}`;
    return el("article", {
      class: "message", tabindex: "-1", testid: "inbox-message", "data-key": message.key,
      "data-lang": message.lang, "aria-labelledby": textId,
    },
    el("p", { class: "message-text", id: textId, lang: message.lang }, message.text || ""),
    facts,
    el("details", { open: true }, el("summary", {}, t("conversation")), context),
    el("div", { class: "actions", role: "group", "aria-label": t("actions") },
      button("action-intent", t("action_intent"), openIntentDialog),
      button("action-question", t("action_question"), openQuestionDialog),
      button("action-new-article", t("action_new_article"), startArticleFromMessage),
      button("action-not-for-us", t("action_not_for_us"), confirmNotForUs)));
  }

  function cssId(value) { return String(value).replace(/[^A-Za-z0-9_-]/g, "_"); }

  function toggleGroup(key, force) {
    const open = force !== undefined ? force : !state.openGroups.has(key);
    if (open) state.openGroups.add(key); else state.openGroups.delete(key);
    const item = [...$("inbox-list").children].find((node) => node.dataset.key === key);
    if (!item) return;
    item.querySelector(".group-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    item.querySelector(".group-body").hidden = !open;
  }

  // Keyboard: Up/Down/Home/End move through groups and the open messages; Right opens,
  // Left closes a group; Escape inside a group closes it and returns to its row.
  $("inbox-list").addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.matches("input, select, textarea")) return;
    const rows = [...$("inbox-list").querySelectorAll(".group-toggle, .group-body:not([hidden]) > .message")];
    const current = target.closest(".group-toggle, .message");
    const index = rows.indexOf(current);
    const groupItem = target.closest("li.group");
    let next = null;
    switch (event.key) {
      case "ArrowDown": next = rows[Math.min(index + 1, rows.length - 1)]; break;
      case "ArrowUp": next = rows[Math.max(index - 1, 0)]; break;
      case "Home": next = rows[0]; break;
      case "End": next = rows[rows.length - 1]; break;
      case "ArrowRight":
        if (target.classList.contains("group-toggle")) { toggleGroup(groupItem.dataset.key, true); event.preventDefault(); }
        return;
      case "ArrowLeft":
      case "Escape":
        if (!groupItem) return;
        if (event.key === "ArrowLeft" && !target.classList.contains("group-toggle") && !target.classList.contains("message")) return;
        toggleGroup(groupItem.dataset.key, false);
        groupItem.querySelector(".group-toggle").focus();
        event.preventDefault();
        return;
      default: return;
    }
    if (next) {
      event.preventDefault();
      next.focus();
      next.scrollIntoView({ block: "nearest" });
    }
  });

  // After a reload, put focus somewhere sensible near where the editor was.
  function restoreInboxFocus(focus) {
    if (!focus) return;
    const items = [...$("inbox-list").children];
    const group = items.find((node) => node.dataset.key === focus.groupKey);
    if (group) {
      const messages = [...group.querySelectorAll(".message")];
      const target = messages[Math.min(focus.messageIndex || 0, messages.length - 1)];
      (target && !group.querySelector(".group-body").hidden ? target : group.querySelector(".group-toggle")).focus();
      return;
    }
    const fallback = items[Math.min(focus.groupIndex || 0, items.length - 1)];
    if (fallback) fallback.querySelector(".group-toggle").focus();
    else { $("inbox-title").setAttribute("tabindex", "-1"); $("inbox-title").focus(); }
  }

  function positionOf(message) {
    const groups = (state.inbox && state.inbox.groups) || [];
    for (let g = 0; g < groups.length; g += 1) {
      const m = (groups[g].messages || []).findIndex((item) => item.key === message.key);
      if (m >= 0) return { groupKey: groups[g].key, groupIndex: g, messageIndex: m };
    }
    return { groupIndex: 0 };
  }

  function fillIntentSelect(select, preselect) {
    const intents = (state.inbox && state.inbox.intents) || [];
    select.replaceChildren(el("option", { value: "" }, t("choose_intent")),
      ...intents.map((intent) => el("option", { value: intent.name },
        intent.description ? `${intent.description} (${intent.name})` : intent.name)));
    select.value = intents.some((intent) => intent.name === preselect) ? preselect : "";
  }

  function bindDescription(select, output, also) {
    const update = () => {
      output.textContent = select.value ? (intentDescription(select.value) || select.value) : "";
      select.removeAttribute("aria-invalid");
      if (also) also();
    };
    select.onchange = update;
    output.textContent = select.value ? (intentDescription(select.value) || select.value) : "";
  }

  // "This means…": confirm or correct the intent.
  function openIntentDialog(message, opener) {
    const dialog = $("dlg-intent");
    const typedKey = `intent:${message.key}`;
    const typed = state.typed.get(typedKey) || {};
    const text = $("intent-text");
    text.value = typed.text !== undefined ? typed.text : message.text || "";
    text.lang = message.lang;
    fillIntentSelect($("intent-select"), typed.intent !== undefined ? typed.intent : message.intent);
    const remember = () => state.typed.set(typedKey, { text: text.value, intent: $("intent-select").value });
    bindDescription($("intent-select"), $("intent-desc"), remember);
    text.oninput = remember;
    const where = positionOf(message);
    openDialog(dialog, opener, async () => {
      remember();
      clearDialogErrors(dialog);
      const problems = [];
      if (!text.value.trim()) problems.push({ field: "text", message: t("need_text") });
      if (!$("intent-select").value) problems.push({ field: "intent", message: t("need_intent") });
      if (problems.length) { showLocalProblems(dialog, problems); return; }
      try {
        const result = await api("/api/studio/teach/intent", { method: "POST", body: {
          message_key: message.key, lang: message.lang, text: text.value, intent: $("intent-select").value } });
        state.typed.delete(typedKey);
        closeDialog(dialog, false);
        note(savedNote(result));
        await loadInbox(where);
      } catch (error) {
        showDialogFailure(dialog, error);
      }
    }, $("intent-select"), () => openIntentDialog(message, opener));
  }

  // Problems found here (not by the server): already localised, shown next to the field.
  function showLocalProblems(dialog, problems) {
    for (const problem of problems) {
      const target = dialog.querySelector(`.field-error[data-field="${problem.field}"]`);
      target.textContent = problem.message;
      const input = target.closest(".field").querySelector("input, select, textarea");
      input.setAttribute("aria-invalid", "true");
    }
    dialog.querySelector(".dialog-error").textContent = t("fix_marked");
    dialog.querySelector("[aria-invalid=true]").focus();
  }

  // "Add to an article's questions".
  function openQuestionDialog(message, opener) {
    const dialog = $("dlg-question");
    const typedKey = `question:${message.key}`;
    const typed = state.typed.get(typedKey) || {};
    const articles = ((state.inbox && state.inbox.articles) || {})[message.lang] || [];
    const select = $("article-select");
    const sorted = [...articles].sort((a, b) => String(a.title).localeCompare(String(b.title), message.lang));
    select.replaceChildren(el("option", { value: "" }, t("choose_article", { lang: langName(message.lang) })),
      ...sorted.map((article) => el("option", { value: article.id, lang: message.lang }, `${article.title} (${article.id})`)));
    select.value = typed.article_id && sorted.some((a) => a.id === typed.article_id) ? typed.article_id : "";
    const question = $("question-text");
    question.value = typed.question !== undefined ? typed.question : message.text || "";
    question.lang = message.lang;
    const remember = () => state.typed.set(typedKey, { question: question.value, article_id: select.value });
    question.oninput = remember;
    select.onchange = remember;
    const where = positionOf(message);
    openDialog(dialog, opener, async () => {
      remember();
      clearDialogErrors(dialog);
      const problems = [];
      if (!select.value) problems.push({ field: "article_id", message: t("need_article") });
      if (!question.value.trim()) problems.push({ field: "question", message: t("need_text") });
      if (problems.length) { showLocalProblems(dialog, problems); return; }
      try {
        const result = await api("/api/studio/teach/question", { method: "POST", body: {
          message_key: message.key, lang: message.lang, article_id: select.value, question: question.value } });
        state.typed.delete(typedKey);
        closeDialog(dialog, false);
        note(savedNote(result));
        await loadInbox(where);
      } catch (error) {
        showDialogFailure(dialog, error);
      }
    }, select, () => openQuestionDialog(message, opener));
  }

  // A yes/no dialog, for "Not for us" and for rollbacks.
  function confirmDialog(opener, { title, text, confirm, danger }, onConfirm) {
    const dialog = $("dlg-confirm");
    $("dlg-confirm-title").textContent = title;
    $("dlg-confirm-text").textContent = text;
    const submit = $("confirm-submit");
    submit.textContent = confirm;
    submit.classList.toggle("danger", Boolean(danger));
    openDialog(dialog, opener, async () => {
      try {
        await onConfirm();
        closeDialog(dialog, false);
      } catch (error) {
        showDialogFailure(dialog, error, false);
      }
    }, dialog.querySelector("[data-close]"));
  }

  function confirmNotForUs(message, opener) {
    const where = positionOf(message);
    confirmDialog(opener, { title: t("not_for_us_title"), text: t("not_for_us_text", { text: message.text || "" }),
      confirm: t("action_not_for_us") }, async () => {
      await api(`/api/studio/inbox/${encodeURIComponent(message.key)}/not-for-us`, { method: "POST" });
      note(t("not_for_us_done"));
      await loadInbox(where);
    });
  }

  // "Teach all in this group": one POST per message, each result reported.
  function openGroupDialog(group, opener) {
    const dialog = $("dlg-group");
    const messages = group.messages || [];
    const counts = new Map();
    for (const message of messages) if (message.intent) counts.set(message.intent, (counts.get(message.intent) || 0) + 1);
    const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    const select = $("group-intent-select");
    fillIntentSelect(select, state.typed.get(`group:${group.key}`) || (common ? common[0] : ""));
    bindDescription(select, $("group-intent-desc"), () => state.typed.set(`group:${group.key}`, select.value));
    const results = new Map();   // message key -> "ok"
    const render = () => {
      $("group-results").replaceChildren(...messages.map((message) => {
        const result = results.get(message.key);
        return el("li", { testid: "group-result", "data-key": message.key },
          langChip(message.lang), " ", el("span", { lang: message.lang }, message.text || ""), " — ",
          el("span", { class: result && result.ok === true ? "result-ok" : result && result.ok === false ? "result-bad" : "" },
            result ? result.text : t("waiting")));
      }));
    };
    render();
    const submit = dialog.querySelector("[data-testid=group-submit]");
    submit.textContent = t("teach_all");
    openDialog(dialog, opener, async () => {
      clearDialogErrors(dialog);
      if (!select.value) {
        select.setAttribute("aria-invalid", "true");
        dialog.querySelector(".dialog-error").textContent = t("need_intent");
        select.focus();
        return;
      }
      let ok = 0;
      for (const message of messages) {
        const previous = results.get(message.key);
        if (previous && previous.ok) { ok += 1; continue; }
        results.set(message.key, { ok: null, text: t("sending") });
        render();
        try {
          const result = await api("/api/studio/teach/intent", { method: "POST", body: {
            message_key: message.key, lang: message.lang, text: message.text, intent: select.value } });
          results.set(message.key, { ok: true, text: savedNote(result) });
          ok += 1;
        } catch (error) {
          const text = error instanceof ApiError && error.status === 422 && Array.isArray(error.body.problems)
            ? `${t("refused")} ${error.body.problems.map((p) => p.message).join("; ")}`
            : describeError(error);
          results.set(message.key, { ok: false, text });
        }
        render();
      }
      const summary = t("group_done", { ok: fmtInt(ok), total: fmtInt(messages.length) });
      dialog.querySelector(".dialog-error").textContent = ok === messages.length ? "" : summary;
      note(ok ? `${summary} ${t("retrain_to_use")}` : summary);
      if (ok === messages.length) submit.textContent = t("done");
      loadInbox();
      if (ok === messages.length) {
        dialog._onSubmit = async () => { closeDialog(dialog, false); focusInboxAfter(group); };
      }
    }, select);
  }

  function focusInboxAfter(group) {
    const items = [...$("inbox-list").children];
    const same = items.find((node) => node.dataset.key === group.key);
    const target = same || items[0];
    if (target) target.querySelector(".group-toggle").focus();
    else { $("inbox-title").setAttribute("tabindex", "-1"); $("inbox-title").focus(); }
  }

  // ---------------------------------------------------------------- new article
  function buildArticlePanels() {
    const tabs = $("article-tabs");
    const panels = $("article-panels");
    if (tabs.children.length) return;
    for (const lang of LANGS) {
      const tab = el("button", {
        type: "button", role: "tab", id: `tab-${lang}`, "aria-controls": `panel-${lang}`,
        "aria-selected": "false", testid: `article-tab-${lang}`, "data-lang": lang,
      }, el("span", { class: "tab-label" }, langName(lang)),
      el("span", { class: "tab-count zero", testid: `article-tab-count-${lang}` }, "0"));
      tab.addEventListener("click", () => selectArticleLang(lang));
      tabs.append(tab);

      const field = (name, control, hintKey) => {
        const id = `article-${name}-${lang}`;
        const describedBy = [hintKey ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
        control.id = id;
        control.lang = lang;
        control.setAttribute("data-testid", id);
        control.setAttribute("aria-describedby", describedBy);
        control.dataset.field = name;
        control.dataset.lang = lang;
        return el("div", { class: "field" },
          el("label", { for: id, "data-i18n": `field_${name}` }, t(`field_${name}`)),
          control,
          hintKey ? el("span", { class: "hint", id: `${id}-hint`, "data-i18n": hintKey }, t(hintKey)) : null,
          el("span", { class: "field-error", id: `${id}-error`, "data-field": name, "data-lang": lang }));
      };
      const panel = el("div", { role: "tabpanel", id: `panel-${lang}`, "aria-labelledby": `tab-${lang}`,
        class: "lang-panel", hidden: true, testid: `article-panel-${lang}` },
      // The server's limits (bot/studio/api/schemas.py), so nothing longer can be typed.
      field("title", el("input", { autocomplete: "off", maxlength: "300" })),
      field("summary", el("textarea", { rows: "2", maxlength: "2000" }), "summary_hint"),
      field("body", el("textarea", { rows: "10", class: "body", maxlength: "50000" }), "body_hint"),
      field("questions", el("textarea", { rows: "5", maxlength: "20000" }), "questions_hint"),
      el("span", { class: "field-error", "data-field": "*", "data-lang": lang }));
      panels.append(panel);
    }
    tabs.addEventListener("keydown", (event) => {
      const index = LANGS.indexOf(state.activeLang);
      let next = null;
      if (event.key === "ArrowRight") next = LANGS[(index + 1) % LANGS.length];
      if (event.key === "ArrowLeft") next = LANGS[(index - 1 + LANGS.length) % LANGS.length];
      if (event.key === "Home") next = LANGS[0];
      if (event.key === "End") next = LANGS[LANGS.length - 1];
      if (next) { event.preventDefault(); selectArticleLang(next); $(`tab-${next}`).focus(); }
    });
    $("article-form").addEventListener("input", onArticleInput);
    loadDraft();
    selectArticleLang(state.activeLang);
  }

  function selectArticleLang(lang) {
    state.activeLang = lang;
    for (const code of LANGS) {
      const selected = code === lang;
      $(`tab-${code}`).setAttribute("aria-selected", selected ? "true" : "false");
      $(`panel-${code}`).hidden = !selected;
    }
    saveDraft();
    renderPreview();
  }

  function renderArticleLabels() {
    for (const lang of LANGS) {
      const tab = $(`tab-${lang}`);
      if (!tab) return;
      tab.querySelector(".tab-label").textContent = langName(lang);
    }
    renderProblems();
  }

  const splitList = (value) => value.split(",").map((part) => part.trim()).filter(Boolean);
  const splitLines = (value) => value.split("\n").map((part) => part.trim()).filter(Boolean);

  function readRaw() {
    const raw = { id: $("article-id").value, tags: $("article-tags").value, related: $("article-related").value,
      languages: {}, activeLang: state.activeLang, messages: state.articleMessages || [] };
    for (const lang of LANGS) {
      raw.languages[lang] = {};
      for (const name of ARTICLE_FIELDS) raw.languages[lang][name] = $(`article-${name}-${lang}`).value;
    }
    return raw;
  }

  function readDraft() {
    const raw = readRaw();
    const languages = {};
    for (const lang of LANGS) {
      const fields = raw.languages[lang];
      languages[lang] = { title: fields.title.trim(), summary: fields.summary.trim(), body: fields.body,
        questions: splitLines(fields.questions) };
    }
    // The inbox messages the article was started from, while their text is still a question:
    // the server marks them taught when the article is created.
    const messageKeys = (raw.messages || []).filter((m) => languages[m.lang]
      && languages[m.lang].questions.includes(m.text)).map((m) => m.key);
    return { id: raw.id.trim(), tags: splitList(raw.tags), related: splitList(raw.related), languages,
      message_keys: messageKeys };
  }

  function draftIsEmpty() {
    const raw = readRaw();
    if (raw.id.trim() || raw.tags.trim() || raw.related.trim()) return false;
    return LANGS.every((lang) => ARTICLE_FIELDS.every((name) => !raw.languages[lang][name].trim()));
  }

  function saveDraft() {
    if (!$("article-id")) return;
    if (draftIsEmpty()) store.remove(KEY_DRAFT);
    else store.set(KEY_DRAFT, JSON.stringify(readRaw()));
  }

  function loadDraft() {
    let raw = null;
    try { raw = JSON.parse(store.get(KEY_DRAFT) || "null"); } catch (e) { raw = null; }
    if (!raw) return;
    $("article-id").value = raw.id || "";
    $("article-tags").value = raw.tags || "";
    $("article-related").value = raw.related || "";
    for (const lang of LANGS) {
      for (const name of ARTICLE_FIELDS) {
        $(`article-${name}-${lang}`).value = ((raw.languages || {})[lang] || {})[name] || "";
      }
    }
    if (LANGS.includes(raw.activeLang)) state.activeLang = raw.activeLang;
    state.articleMessages = Array.isArray(raw.messages) ? raw.messages : [];
  }

  function onArticleInput() {
    saveDraft();
    window.clearTimeout(state.checkTimer);
    state.checkTimer = window.setTimeout(checkArticle, CHECK_DEBOUNCE_MS);
  }

  function openArticleScreen() {
    buildArticlePanels();
    if (draftIsEmpty() && !state.templateTried) {
      state.templateTried = true;
      fillFromTemplate(true);
    } else if (!state.check) {
      checkArticle();
    }
  }

  async function checkArticle() {
    if (draftIsEmpty()) {
      state.check = null;
      renderProblems();
      return;
    }
    const seq = ++state.checkSeq;
    $("check-status").textContent = t("checking");
    try {
      const result = await api("/api/studio/articles/check", { method: "POST", body: readDraft() });
      if (seq !== state.checkSeq) return;
      state.check = result;
      renderProblems();
    } catch (error) {
      if (seq !== state.checkSeq) return;
      $("check-status").textContent = `${t("check_failed")} ${describeError(error)}`;
    }
  }

  function fieldName(problem) {
    const field = String(problem.field || "").toLowerCase();
    const last = field.split(/[.\[\]/]/).filter(Boolean).pop() || "";
    for (const name of ["title", "summary", "body", "questions", "id", "tags", "related"]) {
      if (last === name) return name;
    }
    if (last === "question") return "questions";
    for (const name of ["questions", "summary", "title", "body", "tags", "related"]) {
      if (field.includes(name)) return name;
    }
    return "";
  }

  function problemTarget(problem) {
    const name = fieldName(problem);
    const lang = LANGS.includes(problem.lang) ? problem.lang : null;
    if (lang && ARTICLE_FIELDS.includes(name)) return { lang, control: $(`article-${name}-${lang}`) };
    if (["id", "tags", "related"].includes(name)) return { lang: null, control: $(`article-${name}`) };
    return { lang, control: lang ? $(`article-title-${lang}`) : $("article-id") };
  }

  function renderProblems() {
    if (!$("tab-en")) return;
    const form = $("article-form");
    for (const node of form.querySelectorAll(".field-error")) if (node.id !== "article-error") node.textContent = "";
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    const problems = (state.check && state.check.problems) || [];
    const counts = Object.fromEntries(LANGS.map((lang) => [lang, 0]));
    const list = $("article-problems");
    list.replaceChildren();
    for (const problem of problems) {
      if (LANGS.includes(problem.lang)) counts[problem.lang] += 1;
      const target = problemTarget(problem);
      const name = fieldName(problem);
      // Next to the field.
      let errorNode = null;
      if (target.control && name && target.control.dataset.field === name) {
        errorNode = $(`${target.control.id}-error`);
      } else if (target.lang) {
        errorNode = form.querySelector(`.field-error[data-field="*"][data-lang="${target.lang}"]`);
      } else {
        errorNode = $("article-id-error");
      }
      if (errorNode) errorNode.textContent = errorNode.textContent ? `${errorNode.textContent}\n${problem.message}` : problem.message;
      if (target.control && errorNode && errorNode.id === `${target.control.id}-error`) {
        target.control.setAttribute("aria-invalid", "true");
      }
      // In the list: a button that takes the editor to the field.
      const where = [target.lang ? langName(target.lang) : t("all_languages_short"),
        name ? t(`field_${name}`) : problem.field || ""].filter(Boolean).join(" · ");
      list.append(el("li", { testid: "article-problem", "data-lang": problem.lang || "", "data-field": problem.field || "" },
        el("button", { type: "button", on: { click: () => {
          if (target.lang) selectArticleLang(target.lang);
          if (target.control) target.control.focus();
        } } }, `${where}: `, el("span", { lang: "en" }, problem.message))));
    }
    for (const lang of LANGS) {
      const badge = $(`tab-${lang}`).querySelector(".tab-count");
      badge.textContent = fmtInt(counts[lang]);
      badge.classList.toggle("zero", counts[lang] === 0);
      badge.setAttribute("aria-label", tp("problems", counts[lang]));
    }
    $("check-status").textContent = state.check
      ? (problems.length ? tp("problems", problems.length) : t("no_problems")) : "";
    const catalogue = $("catalogue");
    if (state.check && state.check.catalogue) {
      const listed = Boolean(state.check.catalogue.listed);
      catalogue.className = `catalogue ${listed ? "listed" : "unlisted"}`;
      catalogue.replaceChildren(el("strong", {}, listed ? t("catalogue_listed") : t("catalogue_unlisted")), " ",
        el("span", { lang: "en" }, state.check.catalogue.detail || ""));
    } else {
      catalogue.className = "catalogue";
      catalogue.replaceChildren();
    }
    renderPreview();
  }

  function renderPreview() {
    const box = $("article-preview");
    if (!box) return;
    $("preview-lang").textContent = state.activeLang.toUpperCase();
    $("preview-lang").setAttribute("title", langName(state.activeLang));
    box.lang = state.activeLang;
    const html = state.check && state.check.preview ? state.check.preview[state.activeLang] : "";
    // The one place where HTML from the server is inserted: sanitised markdown-it output.
    box.innerHTML = typeof html === "string" ? html : "";
  }

  async function fillFromTemplate(quiet) {
    const id = $("article-id").value.trim();
    try {
      const template = await api(`/api/studio/articles/template?id=${encodeURIComponent(id)}`);
      const setIfEmpty = (input, value) => { if (!input.value.trim() && value) input.value = value; };
      setIfEmpty($("article-id"), template.id || "");
      setIfEmpty($("article-tags"), (template.tags || []).join(", "));
      setIfEmpty($("article-related"), (template.related || []).join(", "));
      for (const lang of LANGS) {
        const fields = (template.languages || {})[lang] || {};
        setIfEmpty($(`article-title-${lang}`), fields.title || "");
        setIfEmpty($(`article-summary-${lang}`), fields.summary || "");
        setIfEmpty($(`article-body-${lang}`), fields.body || "");
        setIfEmpty($(`article-questions-${lang}`), (fields.questions || []).join("\n"));
      }
      saveDraft();
      if (!quiet) note(t("template_filled"));
      checkArticle();
    } catch (error) {
      if (!quiet) $("article-error").textContent = `${t("template_failed")} ${describeError(error)}`;
    }
  }

  function startArticleFromMessage(message) {
    showScreen("article");
    const lang = LANGS.includes(message.lang) ? message.lang : state.activeLang;
    const questions = $(`article-questions-${lang}`);
    const lines = splitLines(questions.value);
    const text = (message.text || "").trim();
    if (text && !lines.includes(text)) questions.value = questions.value.trim() ? `${questions.value.replace(/\s+$/, "")}\n${text}` : text;
    state.articleMessages = (state.articleMessages || []).filter((m) => m.key !== message.key)
      .concat(text ? [{ key: message.key, lang, text }] : []);
    selectArticleLang(lang);
    saveDraft();
    note(t("article_prefilled", { lang: langName(lang) }));
    ($("article-id").value.trim() ? $(`article-title-${lang}`) : $("article-id")).focus();
    onArticleInput();
  }

  $("article-template").addEventListener("click", () => fillFromTemplate(false));
  $("article-clear").addEventListener("click", (event) => {
    confirmDialog(event.currentTarget, { title: t("clear_draft"), text: t("clear_draft_text"),
      confirm: t("clear_draft"), danger: true }, async () => {
      for (const input of $("article-form").querySelectorAll("input, textarea")) input.value = "";
      store.remove(KEY_DRAFT);
      state.articleMessages = [];
      state.check = null;
      renderProblems();
      note(t("draft_cleared"));
    });
  });
  $("article-id").addEventListener("change", () => {
    if (LANGS.every((lang) => ARTICLE_FIELDS.every((name) => !$(`article-${name}-${lang}`).value.trim()))) fillFromTemplate(true);
  });

  $("article-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("article-create");
    if (isBusy(button)) return;
    $("article-error").textContent = "";
    setBusy(button, true);
    saveDraft();
    try {
      const result = await api("/api/studio/articles", { method: "POST", body: readDraft() });
      store.remove(KEY_DRAFT);
      state.articleMessages = [];
      for (const input of $("article-form").querySelectorAll("input, textarea")) input.value = "";
      state.check = null;
      renderProblems();
      const files = (result.files || []).join(", ");
      note(`${t("article_created", { files })} ${t("retrain_to_use")}`);
      $("article-id").focus();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && Array.isArray(error.body.problems)) {
        state.check = Object.assign({}, state.check || {}, { problems: error.body.problems });
        renderProblems();
        $("article-error").textContent = `${t("article_refused")} ${t("kept_typed")}`;
        const first = $("article-problems").querySelector("button");
        if (first) first.focus();
      } else {
        $("article-error").textContent = `${describeError(error)} ${t("kept_typed")}`;
      }
    } finally {
      setBusy(button, false);
    }
  });

  // ---------------------------------------------------------------- retrain
  function stopPolling() {
    window.clearTimeout(state.pollTimer);
    state.pollTimer = null;
  }

  async function loadLatestJob() {
    try {
      const job = await api("/api/studio/retrain/latest");
      state.job = job;
      renderJob();
      if (job.state === "running") schedulePoll(job.job_id);
    } catch (error) {
      if (error.status !== 404) $("retrain-error").textContent = describeError(error);
    }
  }

  function schedulePoll(jobId) {
    stopPolling();
    state.pollTimer = window.setTimeout(() => pollJob(jobId), POLL_MS);
  }

  async function pollJob(jobId) {
    try {
      const job = await api(`/api/studio/retrain/${encodeURIComponent(jobId)}`);
      const was = state.job && state.job.job_id === jobId ? state.job.state : null;
      state.job = job;
      $("retrain-error").textContent = "";
      renderJob();
      if (job.state === "running") schedulePoll(jobId);
      else if (was === "running" || was === null) note(t(`finished_${job.state}`));
    } catch (error) {
      if (error.status === 401) return;
      $("retrain-error").textContent = `${t("poll_failed")} ${describeError(error)}`;
      state.pollTimer = window.setTimeout(() => pollJob(jobId), POLL_MS * 2);
    }
  }

  $("retrain-button").addEventListener("click", async () => {
    const button = $("retrain-button");
    if (isBusy(button)) return;
    $("retrain-error").textContent = "";
    setBusy(button, true);
    try {
      const started = await api("/api/studio/retrain", { method: "POST" });
      note(t("retrain_started"));
      state.job = { job_id: started.job_id, state: "running", steps: STEPS.map((name) => ({ name, state: "pending", seconds: null })),
        progress: 0, message: "", started_by: state.me ? state.me.id : "", started_at: new Date().toISOString(), finished_at: null, report: null };
      renderJob();
      pollJob(started.job_id);
    } catch (error) {
      if (error.status === 409 && error.body && error.body.job_id) {
        note(t("retrain_busy"));
        pollJob(error.body.job_id);
      } else {
        $("retrain-error").textContent = describeError(error);
        setBusy(button, false);
      }
    }
  });

  function renderJob() {
    const job = state.job;
    const running = Boolean(job && job.state === "running");
    setBusy($("retrain-button"), running);
    if (!job) { $("job").hidden = true; $("report").hidden = true; return; }
    $("job").hidden = false;
    const stateNode = $("job-state");
    stateNode.textContent = t(`state_${job.state}`);
    stateNode.className = `state-${job.state}`;
    stateNode.dataset.state = job.state;
    const meta = [job.started_by ? t("started_by", { who: job.started_by }) : "",
      job.started_at ? t("started_at", { when: fmtDate(job.started_at) }) : "",
      job.finished_at ? t("finished_at", { when: fmtDate(job.finished_at) }) : ""].filter(Boolean).join(" · ");
    $("job-meta").textContent = meta;
    const percent = Math.round(Math.max(0, Math.min(1, Number(job.progress) || 0)) * 100);
    const bar = $("job-progress");
    bar.setAttribute("aria-valuenow", String(percent));
    const runningStep = (job.steps || []).find((step) => step.state === "running");
    bar.setAttribute("aria-valuetext", runningStep
      ? `${fmtPct(percent / 100)} — ${t(`step_${runningStep.name}`)}` : fmtPct(percent / 100));
    bar.className = `progress ${job.state}`;
    bar.querySelector(".progress-fill").style.width = `${percent}%`;
    $("job-percent").textContent = `· ${fmtPct(percent / 100)}`;
    $("job-message").textContent = job.message || "";
    $("job-steps").replaceChildren(...(job.steps || []).map((step) => {
      const seconds = step.seconds !== null && step.seconds !== undefined
        ? ` (${t("seconds", { n: fmtNum(step.seconds, 1) })})` : "";
      return el("li", { class: step.state, testid: "retrain-step", "data-step": step.name, "data-state": step.state },
        el("span", { "aria-hidden": "true" }, { done: "✓ ", failed: "✗ ", running: "⟳ ", skipped: "– ", pending: "○ " }[step.state] || ""),
        `${t(`step_${step.name}`)}: ${t(`stepstate_${step.state}`)}${seconds}`);
    }));
    // A running job has no report yet: its empty one would read "no model to compare".
    renderReport(job.state === "running" ? null : job.report);
  }

  function isFraction(rows) {
    return rows.every((row) => [row.before, row.after].every((value) =>
      value === null || value === undefined || (value >= 0 && value <= 1)));
  }
  function fmtScore(value, fraction) {
    if (value === null || value === undefined) return "—";
    return fraction ? fmtPct(value, 1) : fmtNum(value, 3);
  }
  function fmtDelta(value, fraction) {
    if (value === null || value === undefined) return "—";
    if (fraction) {
      return `${new Intl.NumberFormat(state.ui, { maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(value * 100)} ${t("points")}`;
    }
    return new Intl.NumberFormat(state.ui, { maximumFractionDigits: 3, signDisplay: "exceptZero" }).format(value);
  }

  function renderReport(report) {
    const box = $("report");
    if (!report) { box.hidden = true; return; }
    box.hidden = false;
    // Before the first promotion the model in service was trained outside the studio:
    // it has no version, but it was measured (the rows' "before").
    const candidate = report.candidate_version || report.candidate_model || "";
    const measured = (report.rows || []).some((row) => row.before !== null && row.before !== undefined);
    const current = report.in_service_version || (measured ? t("report_unversioned") : "");
    $("report-summary").textContent = current
      ? t("report_compare", { candidate, current })
      : t("report_first", { candidate });
    const reasons = report.reasons || [];
    $("report-reasons").replaceChildren(...(reasons.length
      ? reasons.map((reason) => el("li", { lang: "en" }, reason))
      : [el("li", {}, t("no_reasons"))]));

    const rows = report.rows || [];
    const measures = [...MEASURES, ...new Set(rows.map((row) => row.measure).filter((m) => !MEASURES.includes(m)))];
    const sections = [];
    for (const measure of measures) {
      const measureRows = rows.filter((row) => row.measure === measure)
        .sort((a, b) => (LANGS.indexOf(a.lang) + 99) % 99 - (LANGS.indexOf(b.lang) + 99) % 99);
      if (!measureRows.length) continue;
      const fraction = isFraction(measureRows);
      const headingId = `measure-${measure}`;
      const table = el("table", { testid: "report-table", "data-measure": measure },
        el("caption", { class: "sr-only" }, t(`measure_${measure}`)),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, t("language")), el("th", { scope: "col", class: "num" }, t("before")),
          el("th", { scope: "col", class: "num" }, t("after")), el("th", { scope: "col", class: "num" }, t("change")),
          el("th", { scope: "col" }, t("verdict")))),
        el("tbody", {}, ...measureRows.map((row) => el("tr", { class: row.ok ? "" : "not-ok", "data-lang": row.lang, "data-ok": String(Boolean(row.ok)) },
          el("th", { scope: "row" }, langName(row.lang)),
          el("td", { class: "num" }, fmtScore(row.before, fraction)),
          el("td", { class: "num" }, fmtScore(row.after, fraction)),
          el("td", { class: "num" }, fmtDelta(row.delta, fraction)),
          el("td", {}, row.ok ? t("ok") : t("not_ok"))))));
      sections.push(el("section", { class: "measure", "aria-labelledby": headingId },
        el("h4", { id: headingId }, t(`measure_${measure}`)),
        el("p", { class: "hint" }, t(`measure_${measure}_help`)),
        el("div", { class: "measure-body" }, el("div", { class: "table-wrap" }, table), chart(measure, measureRows, fraction))));
    }
    $("report-measures").replaceChildren(...sections);

    const changes = report.changed_examples || [];
    const table = $("report-changes");
    if (!changes.length) {
      table.replaceChildren(el("caption", {}, t("no_changes")));
    } else {
      table.replaceChildren(
        el("thead", {}, el("tr", {}, ...["language", "sentence", "expected", "before", "after"].map((key) =>
          el("th", { scope: "col" }, t(key === "before" ? "answer_before" : key === "after" ? "answer_after" : key))))),
        el("tbody", {}, ...changes.map((change) => el("tr", { testid: "changed-example" },
          el("td", {}, langChip(change.lang)),
          el("td", { lang: change.lang }, change.text || ""),
          el("td", {}, el("code", {}, change.expected || "—")),
          el("td", { class: change.before === change.expected ? "good" : "bad" }, el("code", {}, change.before || "—")),
          el("td", { class: change.after === change.expected ? "good" : "bad" },
            el("code", {}, change.after || "—"),
            el("span", { class: "sr-only" }, change.after === change.expected ? ` (${t("ok")})` : ` (${t("not_ok")})`))))));
    }
  }

  // A grouped bar chart (before vs after, per language) as inline SVG, with <title>/<desc>.
  let chartCount = 0;
  function chart(measure, rows, fraction) {
    chartCount += 1;
    const width = 420;
    const height = 210;
    const margin = { left: 46, right: 8, top: 10, bottom: 42 };
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const values = rows.flatMap((row) => [row.before, row.after]).filter((v) => typeof v === "number");
    const max = fraction ? 1 : Math.max(1, ...values) * 1.1;
    const titleId = `chart-title-${chartCount}`;
    const descId = `chart-desc-${chartCount}`;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
      "aria-labelledby": `${titleId} ${descId}`, "data-testid": "report-chart", "data-measure": measure });
    root.append(svg("title", { id: titleId }, t("chart_title", { measure: t(`measure_${measure}`) })));
    root.append(svg("desc", { id: descId }, rows.map((row) => t("chart_row", {
      lang: langName(row.lang), before: fmtScore(row.before, fraction), after: fmtScore(row.after, fraction) })).join(" ")));
    const y = (value) => margin.top + plotH - (value / max) * plotH;
    for (let i = 0; i <= 4; i += 1) {
      const value = (max * i) / 4;
      root.append(svg("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }));
      root.append(svg("text", { x: margin.left - 4, y: y(value) + 4, "text-anchor": "end" }, fmtScore(value, fraction)));
    }
    root.append(svg("line", { class: "axis", x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }));
    const band = plotW / Math.max(rows.length, 1);
    const barW = Math.min(22, band / 3);
    rows.forEach((row, index) => {
      const center = margin.left + band * index + band / 2;
      const bars = [["before", row.before, center - barW - 1], ["after", row.after, center + 1]];
      for (const [kind, value, x] of bars) {
        if (typeof value !== "number") continue;
        const rect = svg("rect", { class: `${kind}${kind === "after" && !row.ok ? " bad" : ""}`, x, y: y(value),
          width: barW, height: Math.max(0, y(0) - y(value)) });
        rect.append(svg("title", {}, `${langName(row.lang)} — ${t(kind)}: ${fmtScore(value, fraction)}`));
        root.append(rect);
      }
      root.append(svg("text", { x: center, y: height - margin.bottom + 15, "text-anchor": "middle" }, String(row.lang).toUpperCase()));
    });
    const legendY = height - 8;
    root.append(svg("rect", { class: "before", x: margin.left, y: legendY - 9, width: 10, height: 10 }));
    root.append(svg("text", { x: margin.left + 14, y: legendY }, t("before")));
    root.append(svg("rect", { class: "after", x: margin.left + 110, y: legendY - 9, width: 10, height: 10 }));
    root.append(svg("text", { x: margin.left + 124, y: legendY }, t("after")));
    root.append(svg("rect", { class: "after bad", x: margin.left + 220, y: legendY - 9, width: 10, height: 10 }));
    root.append(svg("text", { x: margin.left + 234, y: legendY }, t("after_not_ok")));
    return el("figure", { class: "chart-figure" }, root);
  }

  // ---------------------------------------------------------------- history
  async function loadModels() {
    $("history-status").textContent = t("loading");
    try {
      const data = await api("/api/studio/models");
      state.models = data.models || [];
      renderModels();
    } catch (error) {
      $("history-status").textContent = `${t("history_failed")} ${describeError(error)}`;
    }
  }

  function renderModels() {
    const table = $("history-table");
    if (!state.models) { table.replaceChildren(); return; }
    $("history-status").textContent = state.models.length ? tp("models", state.models.length) : t("no_models");
    const head = el("thead", {}, el("tr", {}, ...["version", "status", "created", "promoted", "data_revision", "scores"].map((key) =>
      el("th", { scope: "col" }, t(`col_${key}`)))));
    const body = el("tbody", {}, ...state.models.map((model) => {
      const scores = model.scores || {};
      const scoreMeasures = [...MEASURES.filter((m) => scores[m]), ...Object.keys(scores).filter((m) => !MEASURES.includes(m))];
      const scoreTable = el("table", { class: "scores" },
        el("caption", { class: "sr-only" }, t("col_scores")),
        el("thead", {}, el("tr", {}, el("td", {}), ...LANGS.map((lang) => el("th", { scope: "col", title: langName(lang) }, lang.toUpperCase())))),
        el("tbody", {}, ...scoreMeasures.map((measure) => {
          const values = scores[measure] || {};
          const fraction = Object.values(values).every((v) => typeof v !== "number" || (v >= 0 && v <= 1));
          return el("tr", {}, el("th", { scope: "row" }, t(`measure_${measure}`)),
            ...LANGS.map((lang) => el("td", { class: "num" }, fmtScore(values[lang], fraction))));
        })));
      const action = model.in_service
        ? el("span", { class: "in-service-badge", testid: "in-service" }, t("in_service"))
        : el("button", { type: "button", class: "secondary", testid: "rollback-button", "data-version": model.version,
          on: { click: (event) => confirmRollback(model, event.currentTarget) } }, t("rollback"));
      return el("tr", { testid: "history-row", "data-version": model.version, class: model.in_service ? "in-service" : "" },
        el("th", { scope: "row" }, el("code", {}, String(model.version))),
        el("td", {}, action),
        el("td", {}, fmtDate(model.created_at)),
        el("td", {}, model.promoted_at ? t("promoted_by", { when: fmtDate(model.promoted_at), who: model.promoted_by || "—" }) : "—"),
        el("td", {}, el("code", {}, String(model.data_revision || "—"))),
        el("td", {}, scoreTable));
    }));
    table.replaceChildren(el("caption", { class: "sr-only" }, t("history_title")), head, body);
  }

  function confirmRollback(model, opener) {
    confirmDialog(opener, { title: t("rollback_title"), text: t("rollback_text", { version: model.version }),
      confirm: t("rollback"), danger: true }, async () => {
      const result = await api(`/api/studio/models/${encodeURIComponent(model.version)}/rollback`, { method: "POST" });
      note(t("rollback_done", { version: result.version || model.version }));
      await loadModels();
      const row = $("history-table").querySelector(`tr[data-version="${cssEscape(String(model.version))}"]`);
      const focus = row && (row.querySelector("button") || row.querySelector("th"));
      if (focus) { if (!focus.matches("button")) focus.setAttribute("tabindex", "-1"); focus.focus(); }
    });
  }

  // ---------------------------------------------------------------- everything, in the interface language
  function renderAll() {
    renderMe();
    renderFilters();
    renderInbox();
    renderArticleLabels();
    renderJob();
    renderModels();
  }

  async function start() {
    state.ui = pickLanguage([store.get(KEY_UI)]) ||
      pickLanguage(navigator.languages || [navigator.language]) || "en";
    applyStaticTexts();
    renderFilters();
    try {
      const me = await api("/api/studio/me", { allow401: true });
      signedIn(me);
    } catch (error) {
      showSignIn(error.status === 401 || error.status === 404 ? "" : describeError(error));
    }
  }

  start();
})();
