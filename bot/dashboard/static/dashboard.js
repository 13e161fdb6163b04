// The managers' dashboard: figures from GET /api/dashboard/figures, drawn as inline SVG.
// No chart library, no network beyond this origin. Every plot is a <figure> with a
// <figcaption>, an aria-label on its <svg role="img">, and the same numbers as a table.
// Every text from the server is set with textContent (topics are users' words, masked).
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const LANG_NAMES = { ru: "Russian", nb: "Norwegian", fr: "French", it: "Italian", en: "English" };
  const LANG_COLORS = { ru: "#0b5cff", nb: "#b00020", fr: "#1b7f3b", it: "#8a4b00", en: "#6a1b9a" };
  const VERDICT_COLORS = { met: "#1b7f3b", breached: "#b00020", pending: "#6b7079" };
  const RATES = [
    ["containment_rate", "Containment"], ["handoff_rate", "Handoff rate"],
    ["kb_answer_rate", "KB answer rate"], ["fallback_rate", "Fallback rate"],
  ];
  const $ = (id) => document.getElementById(id);
  const pct = (v) => (v * 100).toFixed(1) + "%";

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
    const t = el("table");
    const tr = el("tr");
    head.forEach((h) => tr.append(el("th", { scope: "col" }, h)));
    t.append(el("thead", {}, tr));
    const body = el("tbody");
    rows.forEach((r) => body.append(el("tr", {}, ...r.map((c) => el("td", {}, String(c))))));
    if (!rows.length) body.append(el("tr", {}, el("td", { colspan: String(head.length) }, "No data in this period.")));
    t.append(body);
    return t;
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
    parts.push(el("details", {}, el("summary", {}, "The numbers as a table"), table(head, rows)));
    container.replaceChildren(el("figure", {}, ...parts));
  }

  function legend(items) {
    return el("ul", { class: "legend" }, ...items.map(([name, color]) =>
      el("li", {}, el("span", { class: "swatch", style: "background:" + color }), name)));
  }

  // Lines over an x axis of labels; values null are gaps. yMax: the top of the axis.
  // width: of the drawing's coordinates (a wide figure gets a wide one, not big letters).
  function lineChart(xLabels, series, yMax, yText, width) {
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
    for (const line of series) {
      let d = "";
      const points = [];
      line.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const joined = i > 0 && line.values[i - 1] !== null && line.values[i - 1] !== undefined;
        d += (joined ? " L" : " M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        if (line.values.length <= 62) points.push(svg("circle", { cx: x(i), cy: y(v), r: 3, fill: line.color, class: "point" }));
      });
      if (d) s.append(svg("path", { d: d.trim(), stroke: line.color, fill: "none", "stroke-width": 2, class: "line" }));
      points.forEach((point) => s.append(point));
    }
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
          bar.append(svg("title", {}, `${r.label}: ${value} ${name}`));
          s.append(bar);
        }
        left += w;
        total += value;
      }
      s.append(svg("text", { x: left + 6, y: top + 18, class: "label" }, String(total)));
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
    s.append(svg("text", { x: L - 6, y: y(max) + 4, "text-anchor": "end", class: "tick" }, String(max)));
    groups.forEach((g, i) => {
      const start = L + i * slot + (slot - barW * per) / 2;
      g.values.forEach(([name, value, color], k) => {
        const bar = svg("rect", { x: start + k * barW, y: y(value), width: barW - 2, height: Math.max(y(0) - y(value), value ? 1 : 0), fill: color, class: "bar" });
        bar.append(svg("title", {}, `${g.label}: ${value} ${name}`));
        s.append(bar);
        s.append(svg("text", { x: start + k * barW + (barW - 2) / 2, y: y(value) - 3, "text-anchor": "middle", class: "tick" }, String(value)));
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
    const shortDays = data.day_list.map((d) => d.slice(5));
    for (const [key, name] of RATES) {
      const holder = el("div", { "data-testid": "plot-rate-" + key });
      box.append(holder);
      const series = langs.map((l) => ({
        name: LANG_NAMES[l] || l, color: LANG_COLORS[l] || "#333",
        values: data.day_list.map((d) => (byKey[l + "|" + d] ? byKey[l + "|" + d][key] : null)),
      }));
      const drawing = lineChart(shortDays, series, 1, (v) => Math.round(v * 100) + "%");
      const rows = data.by_language_day.map((r) => [r.day, r.lang, r.conversations, pct(r[key])]);
      const overall = pct(data.cards[key]);
      figure(holder, name + " per language and day", `(share of conversations; over the period: ${overall}; days without conversations are gaps)`,
        drawing, ["day", "language", "conversations", name], rows);
      holder.querySelector("figure").insertBefore(legend(series.map((s) => [s.name, s.color])), holder.querySelector("details"));
    }
  }

  function drawHumans(data) {
    const note = data.humans_available ? "" : " The live-agent service did not answer: no humans' figures.";
    const fr = data.first_response;
    figure($("first-response"), "First response against the targets",
      `(tickets created in the period, per priority: met, breached, or still pending; targets ${fr.map((r) => `${r.priority} ${r.target_hours} h`).join(", ")}).${note}`,
      stackedBars(fr.map((r) => ({ label: `${r.priority} (target ${r.target_hours} h)`,
        parts: [["met", r.met, VERDICT_COLORS.met], ["breached", r.breached, VERDICT_COLORS.breached], ["pending", r.pending, VERDICT_COLORS.pending]] }))),
      ["priority", "target (h)", "met", "breached", "pending"], fr.map((r) => [r.priority, r.target_hours, r.met, r.breached, r.pending]));
    $("first-response").querySelector("figure").insertBefore(legend([["met", VERDICT_COLORS.met], ["breached", VERDICT_COLORS.breached], ["pending", VERDICT_COLORS.pending]]), $("first-response").querySelector("details"));

    const res = data.resolution;
    const targets = Object.entries(res.target_hours).map(([p, h]) => `${p} ${h} h`).join(", ");
    const mean = res.mean_hours === null ? "none resolved yet" : `mean ${res.mean_hours} h over ${res.resolved} resolved`;
    figure($("resolution"), "Premier resolution against the targets",
      `(Premier and Premier+ tickets; targets ${targets}; ${mean}).`,
      stackedBars([{ label: "Premier tickets", parts: [["met", res.met, VERDICT_COLORS.met], ["breached", res.breached, VERDICT_COLORS.breached], ["pending", res.pending, VERDICT_COLORS.pending]] }]),
      ["met", "breached", "pending", "resolved", "mean hours"], [[res.met, res.breached, res.pending, res.resolved, res.mean_hours === null ? "–" : res.mean_hours]]);

    const q = data.queue;
    const qMax = Math.ceil(Math.max(4, ...q.map((p) => p.open)) / 4) * 4;  // whole ticks
    const labels = q.map((p) => p.at.slice(5, 13).replace("T", " ") + "h");
    const peak = q.length ? Math.max(...q.map((p) => p.open)) : 0;
    figure($("queue"), "Queue length over time",
      `(open tickets at the end of each UTC hour, every language and plan; ${q.length ? `now ${q[q.length - 1].open}, peak ${peak}` : "no hour ended yet"}).`,
      lineChart(labels, [{ name: "open tickets", color: "#0b5cff", values: q.map((p) => p.open) }], qMax, (v) => String(Math.round(v)), 1160),
      ["hour (UTC)", "open tickets"], q.map((p) => [p.at.slice(0, 16).replace("T", " "), p.open]));

    const a = data.agents;
    figure($("agents"), "Load per agent",
      `(tickets claimed and resolved in the period, per agent id, every language and plan).`,
      a.length ? columns(a.map((r) => ({ label: r.agent_id, values: [["claimed", r.claimed, "#0b5cff"], ["resolved", r.resolved, "#1b7f3b"]] }))) : null,
      ["agent", "claimed", "resolved"], a.map((r) => [r.agent_id, r.claimed, r.resolved]));
    if (a.length) $("agents").querySelector("figure").insertBefore(legend([["claimed", "#0b5cff"], ["resolved", "#1b7f3b"]]), $("agents").querySelector("details"));

    const c = data.csat;
    figure($("csat"), "Satisfaction (CSAT)",
      `(tickets per rating 1–5; ${data.rated} rated${data.csat_mean === null ? "" : `, mean ${data.csat_mean}`}).`,
      columns(c.map((r) => ({ label: "★" + r.rating, values: [["tickets", r.tickets, r.rating >= 4 ? "#1b7f3b" : r.rating === 3 ? "#6b7079" : "#b00020"]] }))),
      ["rating", "tickets"], c.map((r) => [r.rating, r.tickets]));
  }

  function drawWords(data) {
    $("articles").replaceChildren(el("h3", {}, "👍 / 👎 per article"),
      table(["article", "👍 helpful", "👎 not helpful"], data.articles.map((r) => [r.title, r.helpful, r.not_helpful])));
    const box = el("div");
    const langs = data.lang === "all" ? data.languages : [data.lang];
    for (const l of langs) {
      const rows = data.topics.filter((t) => t.lang === l);
      box.append(el("h4", {}, LANG_NAMES[l] || l),
        table(["rank", "topic (masked)", "messages", "conversations"], rows.map((t) => [t.rank, t.topic, t.messages, t.conversations])));
    }
    $("topics").replaceChildren(el("h3", {}, "Unanswered topics, most often asked"), box);
  }

  function fillSelect(select, values, names, chosen) {
    const first = select.options[0];
    select.replaceChildren(first, ...values.map((v) => {
      const o = el("option", { value: v }, names[v] || v);
      if (v === chosen) o.selected = true;
      return o;
    }));
  }

  async function load() {
    const form = $("filters");
    const days = form.querySelector("input[name=days]:checked").value;
    const params = new URLSearchParams({ days, lang: $("lang").value, plan: $("plan").value });
    $("load-error").textContent = "";
    $("board").setAttribute("aria-busy", "true");
    const response = await fetch("/api/dashboard/figures?" + params, { credentials: "same-origin" });
    $("board").removeAttribute("aria-busy");
    if (response.status === 401 || response.status === 403) { location.reload(); return; }
    if (!response.ok) { $("load-error").textContent = "The figures could not be loaded; try again."; return; }
    const data = await response.json();
    fillSelect($("lang"), data.languages, LANG_NAMES, data.lang);
    fillSelect($("plan"), data.plans, {}, data.plan);
    $("period-text").textContent = `${data.since} to ${data.day_list[data.day_list.length - 1]} (UTC), ${data.period_days} days; ${data.cards.conversations} conversations, ${data.tickets} tickets.`;
    $("card-containment").textContent = pct(data.cards.containment_rate);
    $("card-handoff").textContent = pct(data.cards.handoff_rate);
    $("card-kb").textContent = pct(data.cards.kb_answer_rate);
    $("card-fallback").textContent = pct(data.cards.fallback_rate);
    $("card-conversations").textContent = String(data.cards.conversations);
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
    $("signin-error").textContent = response.status === 401 ? "Wrong agent id or password." : "Signing in failed; try again.";
  }

  async function signOut() {
    await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
    location.reload();
  }

  const state = document.body.dataset.state;
  $(state === "board" ? "board" : state).hidden = false;
  $("logout").hidden = state !== "board" && state !== "forbidden";
  $("logout").addEventListener("click", signOut);
  $("signin-form").addEventListener("submit", signIn);
  $("filters").addEventListener("change", load);
  if (state === "board") load();
})();
