// The agent console. Every piece of user, bot or agent text is inserted with
// textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let current = null;     // the open ticket id
let lastMessage = 0;    // the last live message shown

async function api(path, options = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    ...options,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.detail && typeof body.detail === "string" ? body.detail : response.status);
  }
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function line(list, who, text, className) {
  const item = document.createElement("li");
  if (className) item.className = className;
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = who;
  item.appendChild(label);
  item.appendChild(document.createTextNode(text));
  list.appendChild(item);
}

async function showMe() {
  try {
    const me = await api("/api/me");
    $("login").hidden = true;
    $("me").hidden = false;
    $("queue-section").hidden = false;
    $("me-name").textContent = `${me.name} (${me.languages.join(", ")})`;
    $("online").checked = me.online;
    await refreshQueue();
  } catch (error) {
    $("login").hidden = false;
    $("me").hidden = true;
    $("queue-section").hidden = true;
    $("ticket").hidden = true;
  }
}

async function refreshQueue() {
  const tickets = await api("/api/tickets");
  const body = $("queue").querySelector("tbody");
  body.replaceChildren();
  for (const ticket of tickets) {
    const row = document.createElement("tr");
    if (ticket.breached) row.className = "breached";
    cell(row, ticket.priority, ticket.priority);
    cell(row, ticket.id);
    cell(row, `${ticket.user_name} (${ticket.plan})`);
    cell(row, ticket.language === ticket.agent_language
      ? ticket.language : `${ticket.language} → answer in ${ticket.agent_language}`);
    cell(row, new Date(ticket.first_response_due).toLocaleString() + (ticket.breached ? " — BREACHED" : ""));
    cell(row, ticket.claimed_by ? `${ticket.status} by ${ticket.claimed_by}` : ticket.status);
    const actions = cell(row, "");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = ticket.claimed_by ? "Open" : "Claim";
    open.addEventListener("click", () => openTicket(ticket.id, !ticket.claimed_by));
    actions.appendChild(open);
    body.appendChild(row);
  }
}

async function openTicket(id, claim) {
  $("ticket-error").textContent = "";
  try {
    const ticket = claim ? await api(`/api/tickets/${encodeURIComponent(id)}/claim`, { method: "POST" })
                         : await api(`/api/tickets/${encodeURIComponent(id)}`);
    current = id;
    lastMessage = 0;
    $("ticket").hidden = false;
    $("ticket-title").textContent = `${ticket.id} — ${ticket.priority}`;
    $("ticket-meta").textContent =
      `${ticket.user_name} <${ticket.user_id}>, ${ticket.plan} (${ticket.support_tier}), ` +
      `writes in ${ticket.language}, answer in ${ticket.agent_language}. ` +
      `First response due ${new Date(ticket.first_response_due).toLocaleString()}` +
      (ticket.breached ? " — BREACHED" : "");
    const report = $("report");
    report.replaceChildren();
    for (const [key, value] of Object.entries(ticket.report || {})) {
      const term = document.createElement("dt");
      term.textContent = key;
      const detail = document.createElement("dd");
      detail.textContent = String(value);
      report.append(term, detail);
    }
    const transcript = $("transcript");
    transcript.replaceChildren();
    for (const entry of ticket.transcript || []) {
      line(transcript, entry.from === "user" ? "User:" : "Assistant:", entry.text || "");
    }
    $("messages").replaceChildren();
    await pollMessages();
    await refreshQueue();
  } catch (error) {
    $("ticket-error").textContent = `Could not open ${id}: ${error.message}`;
  }
}

async function pollMessages() {
  if (!current) return;
  const messages = await api(`/api/tickets/${encodeURIComponent(current)}/messages?after=${lastMessage}`);
  for (const message of messages) {
    const who = message.author === "agent" ? `${message.agent_name || "Agent"}:` : "User:";
    line($("messages"), who, message.text, message.author);
    lastMessage = message.id;
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("/api/login", { method: "POST", body: JSON.stringify({
      agent_id: $("agent-id").value, password: $("password").value }) });
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

$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply-text").value;
  if (!current || !text.trim()) return;
  try {
    await api(`/api/tickets/${encodeURIComponent(current)}/messages`,
              { method: "POST", body: JSON.stringify({ text }) });
    $("reply-text").value = "";
    await pollMessages();
  } catch (error) {
    $("ticket-error").textContent = `Not sent: ${error.message}`;
  }
});

$("resolve").addEventListener("click", async () => {
  if (!current) return;
  try {
    await api(`/api/tickets/${encodeURIComponent(current)}/resolve`, { method: "POST" });
    $("ticket").hidden = true;
    current = null;
    await refreshQueue();
  } catch (error) {
    $("ticket-error").textContent = `Not resolved: ${error.message}`;
  }
});

setInterval(() => { if (!$("queue-section").hidden) { refreshQueue().catch(() => {}); pollMessages().catch(() => {}); } }, 1000);
showMe();
