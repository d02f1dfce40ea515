// kestrel-web: helpers shared by every page (no external scripts).
"use strict";

// Uncaught errors are kept for the end-to-end test (Tests/E2E/web_e2e.py) to report.
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("unhandledrejection", e => window.__errors.push(String(e.reason)));

/** The element with this id. */
function $(id) { return document.getElementById(id); }

/** Shows an error message (or clears it) in the page's #error line. */
function showError(message) { const e = $("error"); if (e) e.textContent = message || ""; }

/** fetch() that throws the server's {"error": "..."} message on a non-2xx status. */
async function api(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { const body = await response.json(); if (body.error) message = body.error; } catch (_) {}
    throw new Error(message);
  }
  return response;
}

/** POSTs JSON and returns the parsed JSON reply. */
async function postJSON(url, value) {
  const response = await api(url, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(value) });
  return response.json();
}

/** Reads a streamed body line by line (NDJSON or server-sent events). */
async function forEachLine(response, onLine) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, cut);
      pending = pending.slice(cut + 1);
      await onLine(line);
    }
  }
  if (pending) await onLine(pending);
}

/** Fills a <select> with the model names the server has loaded for an app (from /api/health). */
async function fillModels(selectId, app, preferred) {
  const health = await (await api("/api/health")).json();
  const select = $(selectId);
  for (const name of health.models[app] || []) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    if (name === preferred) option.selected = true;
    select.appendChild(option);
  }
  return health;
}

/** The pages, in the order the header lists them. */
const PAGES = [["/classify", "classify"], ["/textgen", "textgen"], ["/translate", "translate"], ["/gan", "gan"],
  ["/recommend", "recommend"], ["/rl-drive", "rl-drive"]];

/** Writes the header (one copy for every page) and marks the current page. */
document.addEventListener("DOMContentLoaded", () => {
  const header = document.querySelector("header");
  if (!header) return;
  const links = [["/", "Kestrel"], ...PAGES].map(([href, name], i) =>
    `<a href="${href}"${i === 0 ? ' class="brand"' : ""}>${name}</a>`);
  header.innerHTML = links.join("");
  for (const a of header.querySelectorAll("a")) {
    if (a.getAttribute("href") === location.pathname && a.className !== "brand") a.classList.add("here");
  }
});
