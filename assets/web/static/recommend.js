// recommend page: the user's top-N from /api/recommend with reasons, star buttons that POST /api/rate,
// and the user's own ratings from /api/ratings. Items new to the list after a rating are highlighted.
"use strict";
let shown = new Set();

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

async function load(highlight) {
  showError("");
  const user = encodeURIComponent($("user").value.trim());
  try {
    const r = await (await api(`/api/recommend?user=${user}&n=${encodeURIComponent($("n").value)}`)).json();
    $("summary").textContent = `User ${r.user} has rated ${r.rated} items; ${r.algo} model.`;
    const body = $("items").querySelector("tbody");
    body.innerHTML = "";
    r.items.forEach((item, i) => {
      const row = document.createElement("tr");
      row.dataset.item = item.id;
      if (highlight && !shown.has(item.id)) row.className = "new";
      cell(row, String(i + 1));
      cell(row, item.title, "title");
      cell(row, item.score.toFixed(2), "num");
      cell(row, item.reason, "muted");
      const stars = cell(row, "");
      for (let s = 1; s <= 5; s++) {
        const b = document.createElement("button");
        b.className = "secondary star";
        b.textContent = s + "★";
        b.style.padding = "0.1rem 0.35rem";
        b.addEventListener("click", () => rate(item.id, s));
        stars.appendChild(b);
      }
      body.appendChild(row);
    });
    shown = new Set(r.items.map(i => i.id));
    await loadRated(user);
  } catch (e) {
    showError(e.message);
  }
}

async function loadRated(user) {
  const r = await (await api(`/api/ratings?user=${user}&n=50`)).json();
  const body = $("rated").querySelector("tbody");
  body.innerHTML = "";
  for (const item of r.items) {
    const row = document.createElement("tr");
    cell(row, item.title);
    cell(row, item.score + "★", "num");
    body.appendChild(row);
  }
}

async function rate(item, stars) {
  try {
    await postJSON("/api/rate", { user: $("user").value.trim(), item, rating: stars });
    await load(true);
  } catch (e) { showError(e.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  $("go").addEventListener("click", () => load(false));
  $("user").addEventListener("keydown", e => { if (e.key === "Enter") load(false); });
  api("/api/health").then(r => r.json()).then(h => {
    if (h.recommend) load(false);
    else showError("no ratings database: start kestrel-web with --db PATH (made by `recommend import`)");
  });
});
