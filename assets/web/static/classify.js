// classify page: send the dropped image's bytes to /api/classify and draw the top-K bars.
"use strict";
let lastFile = null;

async function classify(file) {
  lastFile = file;
  showError("");
  $("preview").src = URL.createObjectURL(file);
  $("preview").style.display = "block";
  const started = performance.now();
  try {
    const url = `/api/classify?top=${encodeURIComponent($("top").value)}&model=${encodeURIComponent($("model").value)}`;
    const result = await (await api(url, { method: "POST", body: file,
      headers: { "Content-Type": file.type || "application/octet-stream" } })).json();
    drawBars(result.predictions);
    $("timing").textContent = `${result.model}: ${Math.round(performance.now() - started)} ms round trip`;
  } catch (e) {
    $("bars").innerHTML = "";
    showError(e.message);
  }
}

function drawBars(predictions) {
  const top = Math.max(...predictions.map(p => p.probability), 1e-9);
  $("bars").innerHTML = "";
  for (const p of predictions) {
    const row = document.createElement("div");
    row.className = "bar prediction";
    const label = document.createElement("span");
    label.textContent = p.label;
    const track = document.createElement("div");
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = (100 * p.probability / top).toFixed(1) + "%";
    track.appendChild(fill);
    const pct = document.createElement("span");
    pct.className = "pct";
    pct.textContent = (100 * p.probability).toFixed(1) + " %";
    row.append(label, track, pct);
    $("bars").appendChild(row);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  fillModels("model", "classify", "efficientnet-lite0").catch(e => showError(e.message));
  const drop = $("drop");
  drop.addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => { if ($("file").files[0]) classify($("file").files[0]); });
  drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) classify(e.dataTransfer.files[0]);
  });
  for (const id of ["model", "top"]) $(id).addEventListener("change", () => { if (lastFile) classify(lastFile); });
});
