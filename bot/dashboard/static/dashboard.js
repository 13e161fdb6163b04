// The managers' dashboard: figures from GET /api/dashboard/figures, drawn as inline SVG.
// No chart library, no network beyond this origin. Every plot is a <figure> with a
// <figcaption>, an aria-label on its <svg role="img">, and the same numbers as a table.
// Every text from the server is set with textContent (topics are users' words, masked).
// The page speaks the manager's first language (before sign-in: the browser's); its
// texts come from GET /api/dashboard/texts (bot/dashboard/dashboard_texts.yml).
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const LANGUAGES = ["ru", "nb", "fr", "it", "en"];
  const LOCALE_ALIASES = { no: "nb", nn: "nb" };
  const LOCALES = { en: "en-GB" };  // English as the server writes it: day before month
  const LANG_COLORS = { ru: "#0b5cff", nb: "#b00020", fr: "#1b7f3b", it: "#8a4b00", en: "#6a1b9a" };
  const VERDICT_COLORS = { met: "#1b7f3b", breached: "#b00020", pending: "#6b7079" };
  const RATES = ["containment_rate", "handoff_rate", "kb_answer_rate", "fallback_rate"];
  const $ = (id) => document.getElementById(id);

  let ui = null;      // the page's texts and tables in one language
  let locale, plural, numbers, percent, percentTick, dayLong, dayShort, hourLong, hourShort;

  function setLocale(next) {
    locale = next;
    plural = new Intl.PluralRules(locale);
    numbers = new Intl.NumberFormat(locale);
    percent = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
    percentTick = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
    // The figures are per UTC day and hour.
    dayLong = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
    dayShort = new Intl.DateTimeFormat(locale, { day: "numeric", month: "numeric", timeZone: "UTC" });
    hourLong = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    hourShort = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" });
  }
  setLocale(LOCALES.en);

  function browserLanguage() {
    for (const tag of navigator.languages || [navigator.language]) {
      const primary = String(tag || "").toLowerCase().split(/[-_]/)[0];
      const lang = LOCALE_ALIASES[primary] || primary;
      if (LANGUAGES.includes(lang)) return lang;
    }
    return "en";
  }

  // The signed-in agent's first language (the console's GET /api/me), else the browser's.
  async function pageLanguage(state) {
    if (state === "board" || state === "forbidden") {
      try {
        const response = await fetch("/api/me", { credentials: "same-origin" });
        const me = response.ok ? await response.json() : null;
        if (me && me.languages && LANGUAGES.includes(me.languages[0])) return me.languages[0];
      } catch (error) {
        // The browser's language, then.
      }
    }
    return browserLanguage();
  }

  // A text with its {fields} filled (numbers formatted); a text with plural forms takes
  // the one of values.count. Unknown: the key itself.
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

  async function useLanguage(lang) {
    const response = await fetch("/api/dashboard/texts?lang=" + encodeURIComponent(lang));
    if (!response.ok) throw new Error(String(response.status));
    ui = await response.json();
    setLocale(LOCALES[ui.lang] || ui.lang);
    document.documentElement.lang = ui.lang;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll("[data-t-aria-label]")) {
      node.setAttribute("aria-label", t(node.dataset.tAriaLabel));
    }
    document.title = t("page_title");
  }

  const pct = (v) => percent.format(v);
  const day = (iso) => new Date(iso + "T00:00:00Z");
  // An hour of the queue; the service writes it with its offset (UTC if none).
  const instant = (iso) => new Date(/(Z|[+-]\d\d:\d\d)$/i.test(iso) ? iso : iso + "Z");
  const hours = (h) => t("hours", { hours: h });
  const languageName = (code) => (ui && ui.languages[code]) || code;
  const names = (table) => (ui && ui[table]) || {};
  const cell = (value) => (typeof value === "number" ? numbers.format(value) : String(value));

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function table(head, rows) {
    const node = el("table");
    const tr = el("tr");
    head.forEach((h) => tr.append(el("th", { scope: "col" }, h)));
    node.append(el("thead", {}, tr));
    const body = el("tbody");
    rows.forEach((r) => body.append(el("tr", {}, ...r.map((c) => el("td", {}, cell(c))))));
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: String(head.length) }, t("no_data"))));
    node.append(body);
    return node;
  }

  // A figure: caption, drawing (an <svg>, or nothing), its numbers as a table.
  function figure(container, title, summary, drawing, head, rows) {
    const id = container.id + "-caption";
    const parts = [el("figcaption", { id }, el("strong", {}, title), " ", summary)];
    if (drawing) {
      drawing.setAttribute("role", "img");
      drawing.setAttribute("aria-label", title + ". " + summary);
      drawing.setAttribute("aria-describedby", id);
      parts.push(drawing);
    }
    parts.push(el("details", {}, el("summary", {}, t("as_table")), table(head, rows)));
    container.replaceChildren(el("figure", {}, ...parts));
  }

  function legend(items) {
    return el("ul", { class: "legend" }, ...items.map(([name, color]) =>
      el("li", {}, el("span", { class: "swatch", style: "background:" + color }), name)));
  }

  // Lines over an x axis of labels; values null are gaps. yMax: the top of the axis.
  // width: of the drawing's coordinates (a wide figure gets a wide one, not big letters).
  // dodge: put the series' dots side by side at each x (one day of data: on top of each
  // other, only the last drawn would show).
  function lineChart(xLabels, series, yMax, yText, width, dodge) {
    const W = width || 560, H = 220, L = 44, R = 26, T = 10, B = 34;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart" });
    const x = (i) => L + (xLabels.length <= 1 ? (W - L - R) / 2 : i * (W - L - R) / (xLabels.length - 1));
    const y = (v) => T + (H - T - B) * (1 - v / (yMax || 1));
    for (let k = 0; k <= 4; k++) {
      const v = (yMax || 1) * k / 4;
      s.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      s.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, yText(v)));
    }
    const every = Math.max(1, Math.ceil(xLabels.length / (W / 70)));
    xLabels.forEach((label, i) => {
      if (i % every === 0) {
        s.append(svg("text", { x: x(i), y: H - B + 16, "text-anchor": "middle", class: "tick" }, label));
      }
    });
    s.append(svg("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "axis" }));
    series.forEach((line, index) => {
      let d = "";
      const points = [];
      const dx = dodge ? (index - (series.length - 1) / 2) * 9 : 0;
      line.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const joined = i > 0 && line.values[i - 1] !== null && line.values[i - 1] !== undefined;
        d += (joined ? " L" : " M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        if (line.values.length <= 62 || dodge) {
          const point = svg("circle", { cx: x(i) + dx, cy: y(v), r: dodge ? 4 : 3, fill: line.color, class: "point" });
          if (line.lang) point.dataset.lang = line.lang;
          point.append(svg("title", {}, `${line.name}: ${yText(v)}`));
          points.push(point);
        }
      });
      if (d) s.append(svg("path", { d: d.trim(), stroke: line.color, fill: "none", "stroke-width": 2, class: "line" }));
      points.forEach((point) => s.append(point));
    });
    return s;
  }

  // Horizontal stacked bars: rows [{label, parts: [[name, value, color]]}].
  function stackedBars(rows) {
    const W = 560, L = 150, R = 40, rowH = 30, H = rows.length * rowH + 10;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart" });
    const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p[1], 0)));
    s.append(svg("line", { x1: L, x2: L, y1: 2, y2: H - 2, class: "axis" }));
    rows.forEach((r, i) => {
      const top = 5 + i * rowH;
      s.append(svg("text", { x: L - 8, y: top + 18, "text-anchor": "end", class: "label" }, r.label));
      let left = L, total = 0;
      for (const [name, value, color] of r.parts) {
        const w = (W - L - R) * value / max;
        if (value > 0) {
          const bar = svg("rect", { x: left, y: top + 4, width: Math.max(w, 1), height: rowH - 10, fill: color, class: "bar" });
          bar.append(svg("title", {}, `${r.label} – ${name}: ${cell(value)}`));
          s.append(bar);
        }
        left += w;
        total += value;
      }
      s.append(svg("text", { x: left + 6, y: top + 18, class: "label" }, cell(total)));
    });
    return s;
  }

  // Vertical grouped columns: groups [{label, values: [[name, value, color]]}].
  function columns(groups) {
    const W = 560, H = 220, L = 34, R = 10, T = 14, B = 34;
    const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart" });
    const max = Math.max(1, ...groups.flatMap((g) => g.values.map((v) => v[1])));
    const slot = (W - L - R) / Math.max(groups.length, 1);
    const per = groups.length ? groups[0].values.length : 1;
    const barW = Math.min(40, (slot - 12) / per);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    s.append(svg("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "axis" }));
    s.append(svg("text", { x: L - 6, y: y(max) + 4, "text-anchor": "end", class: "tick" }, cell(max)));
    groups.forEach((g, i) => {
      const start = L + i * slot + (slot - barW * per) / 2;
      g.values.forEach(([name, value, color], k) => {
        const bar = svg("rect", { x: start + k * barW, y: y(value), width: barW - 2, height: Math.max(y(0) - y(value), value ? 1 : 0), fill: color, class: "bar" });
        bar.append(svg("title", {}, `${g.label} – ${name}: ${cell(value)}`));
        s.append(bar);
        s.append(svg("text", { x: start + k * barW + (barW - 2) / 2, y: y(value) - 3, "text-anchor": "middle", class: "tick" }, cell(value)));
      });
      s.append(svg("text", { x: L + i * slot + slot / 2, y: H - B + 16, "text-anchor": "middle", class: "label" }, g.label));
    });
    return s;
  }

  function drawRates(data) {
    const box = $("rates");
    box.replaceChildren();
    const langs = data.lang === "all" ? data.languages : [data.lang];
    const byKey = {};
    data.by_language_day.forEach((r) => { byKey[r.lang + "|" + r.day] = r; });
    const shortDays = data.day_list.map((d) => dayShort.format(day(d)));
    // Fewer than two days with data: no line to draw, the languages' dots side by side.
    const dodge = new Set(data.by_language_day.map((r) => r.day)).size < 2;
    for (const key of RATES) {
      const name = t(key);
      const holder = el("div", { "data-testid": "plot-rate-" + key });
      box.append(holder);
      const series = langs.map((l) => ({
        name: languageName(l), color: LANG_COLORS[l] || "#333", lang: l,
        values: data.day_list.map((d) => (byKey[l + "|" + d] ? byKey[l + "|" + d][key] : null)),
      }));
      const drawing = lineChart(shortDays, series, 1, (v) => percentTick.format(v), undefined, dodge);
      const rows = data.by_language_day.map((r) => [dayLong.format(day(r.day)), languageName(r.lang), r.conversations, pct(r[key])]);
      figure(holder, t("rate_title", { name }), t("rate_caption", { overall: pct(data.cards[key]) }),
        drawing, [t("col_day"), t("col_language"), t("col_conversations"), name], rows);
      holder.querySelector("figure").insertBefore(legend(series.map((s) => [s.name, s.color])), holder.querySelector("details"));
    }
  }

  function drawHumans(data) {
    const note = data.humans_available ? "" : " " + t("humans_missing");
    const verdicts = (r) => [[t("met"), r.met, VERDICT_COLORS.met], [t("breached"), r.breached, VERDICT_COLORS.breached],
      [t("pending"), r.pending, VERDICT_COLORS.pending]];
    const verdictLegend = () => legend([[t("met"), VERDICT_COLORS.met], [t("breached"), VERDICT_COLORS.breached],
      [t("pending"), VERDICT_COLORS.pending]]);
    const fr = data.first_response;
    figure($("first-response"), t("first_response_title"),
      t("first_response_caption", { targets: fr.map((r) => `${r.priority} ${hours(r.target_hours)}`).join(", ") }) + note,
      stackedBars(fr.map((r) => ({ label: t("priority_target", { priority: r.priority, hours: hours(r.target_hours) }),
        parts: verdicts(r) }))),
      [t("col_priority"), t("col_target_hours"), t("met"), t("breached"), t("pending")],
      fr.map((r) => [r.priority, r.target_hours, r.met, r.breached, r.pending]));
    $("first-response").querySelector("figure").insertBefore(verdictLegend(), $("first-response").querySelector("details"));

    const res = data.resolution;
    const targets = Object.entries(res.target_hours).map(([p, h]) => `${p} ${hours(h)}`).join(", ");
    const mean = res.mean_hours === null ? t("none_resolved")
      : t("mean_resolution", { count: res.resolved, hours: hours(res.mean_hours) });
    figure($("resolution"), t("resolution_title"), t("resolution_caption", { targets, mean }),
      stackedBars([{ label: t("premier_tickets"), parts: verdicts(res) }]),
      [t("met"), t("breached"), t("pending"), t("col_resolved"), t("col_mean_hours")],
      [[res.met, res.breached, res.pending, res.resolved, res.mean_hours === null ? "–" : res.mean_hours]]);

    const q = data.queue;
    const qMax = Math.ceil(Math.max(4, ...q.map((p) => p.open)) / 4) * 4;  // whole ticks
    const labels = q.map((p) => `${dayShort.format(instant(p.at))} ${hourShort.format(instant(p.at))}`);
    const peak = q.length ? Math.max(...q.map((p) => p.open)) : 0;
    // "now": the tickets open right now (the hourly points see whole hours only).
    const now = data.queue_now === null ? (q.length ? q[q.length - 1].open : null) : data.queue_now;
    const state = now === null ? t("queue_none") : t("queue_now", { now, peak: Math.max(peak, now) });
    figure($("queue"), t("queue_title"), t("queue_caption", { state }),
      lineChart(labels, [{ name: t("open_tickets"), color: "#0b5cff", values: q.map((p) => p.open) }], qMax, (v) => cell(Math.round(v)), 1160),
      [t("col_hour"), t("open_tickets")], q.map((p) => [hourLong.format(instant(p.at)), p.open]));

    const a = data.agents;
    const load = [[t("claimed"), "#0b5cff"], [t("col_resolved"), "#1b7f3b"]];
    figure($("agents"), t("agents_title"), t("agents_caption"),
      a.length ? columns(a.map((r) => ({ label: r.agent_id, values: [[load[0][0], r.claimed, load[0][1]], [load[1][0], r.resolved, load[1][1]]] }))) : null,
      [t("col_agent"), t("claimed"), t("col_resolved")], a.map((r) => [r.agent_id, r.claimed, r.resolved]));
    if (a.length) $("agents").querySelector("figure").insertBefore(legend(load), $("agents").querySelector("details"));

    const c = data.csat;
    const rated = t("rated_count", { count: data.rated });
    figure($("csat"), t("csat_title"),
      t("csat_caption", { rated, mean: data.csat_mean === null ? "" : t("csat_mean", { mean: data.csat_mean }) }),
      columns(c.map((r) => ({ label: "★" + r.rating, values: [[t("col_tickets"), r.tickets, r.rating >= 4 ? "#1b7f3b" : r.rating === 3 ? "#6b7079" : "#b00020"]] }))),
      [t("col_rating"), t("col_tickets")], c.map((r) => [r.rating, r.tickets]));
  }

  function drawWords(data) {
    $("articles").replaceChildren(el("h3", {}, t("articles_title")),
      table([t("col_article"), t("col_helpful"), t("col_not_helpful")], data.articles.map((r) => [r.title, r.helpful, r.not_helpful])));
    const box = el("div");
    const langs = data.lang === "all" ? data.languages : [data.lang];
    for (const l of langs) {
      const rows = data.topics.filter((topic) => topic.lang === l);
      box.append(el("h4", {}, languageName(l)),
        table([t("col_rank"), t("col_topic"), t("col_messages"), t("col_conversations")],
          rows.map((topic) => [topic.rank, topic.topic, topic.messages, topic.conversations])));
    }
    $("topics").replaceChildren(el("h3", {}, t("topics_title")), box);
  }

  function fillSelect(select, values, names, chosen) {
    const first = select.options[0];
    select.replaceChildren(first, ...values.map((v) => {
      const o = el("option", { value: v }, names[v] || v);
      if (v === chosen) o.selected = true;
      return o;
    }));
  }

  // The filters live in the address (?days=&lang=&plan=): bookmarkable, kept over a
  // reload, and back/forward step through them.
  function addressFilters() {
    const query = new URLSearchParams(location.search);
    const days = query.get("days") === "30" ? "30" : "7";
    return { days, lang: query.get("lang") || "all", plan: query.get("plan") || "all" };
  }

  function formFilters() {
    return { days: $("filters").querySelector("input[name=days]:checked").value,
             lang: $("lang").value, plan: $("plan").value };
  }

  function showFilters(filters) {
    for (const radio of $("filters").querySelectorAll("input[name=days]")) radio.checked = radio.value === filters.days;
    for (const [select, value] of [[$("lang"), filters.lang], [$("plan"), filters.plan]]) {
      if (![...select.options].some((o) => o.value === value)) select.append(el("option", { value }, value));
      select.value = value;
    }
  }

  function filtersChanged() {
    const filters = formFilters();
    const query = new URLSearchParams(filters);
    if ("?" + query !== location.search) history.pushState(null, "", location.pathname + "?" + query);
    load(filters);
  }

  function addressChanged() {
    const filters = addressFilters();
    showFilters(filters);
    load(filters);
  }

  let loading = 0;  // the latest load; an older answer is dropped

  async function load(filters) {
    const { days } = filters;
    const params = new URLSearchParams(filters);
    const round = ++loading;
    $("load-error").textContent = "";
    $("board").setAttribute("aria-busy", "true");
    const response = await fetch("/api/dashboard/figures?" + params, { credentials: "same-origin" });
    if (round !== loading) return;
    $("board").removeAttribute("aria-busy");
    if (response.status === 401 || response.status === 403) { location.reload(); return; }
    if (!response.ok) { $("load-error").textContent = t("load_error"); return; }
    const data = await response.json();
    fillSelect($("lang"), data.languages, names("languages"), data.lang);
    fillSelect($("plan"), data.plans, names("plans"), data.plan);
    const range = dayLong.formatRange(day(data.since), day(data.day_list[data.day_list.length - 1]));
    $("period-text").textContent = t("period_text", {
      range, days: t("days", { count: data.period_days }),
      conversations: t("conversations_count", { count: data.cards.conversations }),
      tickets: t("tickets_count", { count: data.tickets }) });
    $("card-containment").textContent = pct(data.cards.containment_rate);
    $("card-handoff").textContent = pct(data.cards.handoff_rate);
    $("card-kb").textContent = pct(data.cards.kb_answer_rate);
    $("card-fallback").textContent = pct(data.cards.fallback_rate);
    $("card-conversations").textContent = cell(data.cards.conversations);
    drawRates(data);
    drawHumans(data);
    drawWords(data);
    document.body.dataset.loaded = days + "|" + data.lang + "|" + data.plan;
  }

  async function signIn(event) {
    event.preventDefault();
    $("signin-error").textContent = "";
    const response = await fetch("/api/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ agent_id: $("agent-id").value.trim(), password: $("password").value }),
    });
    if (response.ok) { location.reload(); return; }
    $("signin-error").textContent = t(response.status === 401 ? "signin_wrong" : "signin_failed");
  }

  async function signOut() {
    await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    location.reload();
  }

  async function start() {
    const state = document.body.dataset.state;
    try {
      await useLanguage(await pageLanguage(state));
    } catch (error) {
      // No texts: the page still works, its labels show their keys.
    }
    ($(state) || $("notfound")).hidden = false;
    $("logout").hidden = state !== "board" && state !== "forbidden";
    $("logout").addEventListener("click", signOut);
    $("signin-form").addEventListener("submit", signIn);
    $("filters").addEventListener("change", filtersChanged);
    window.addEventListener("popstate", addressChanged);
    if (state === "board") addressChanged();
  }

  start();
})();
