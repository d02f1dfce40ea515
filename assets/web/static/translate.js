// translate page: POST the sentence to /api/translate; draw the attention matrix as a labelled heat map.
"use strict";

async function translate() {
  showError("");
  $("go").disabled = true;
  try {
    const r = await postJSON("/api/translate", { text: $("text").value, beam: Number($("beam").value),
      model: $("model").value });
    $("translation").textContent = r.translation;
    $("warnings").textContent = r.warnings.join(" ");
    drawHeat(r.attention, r.source_tokens, r.target_tokens);
  } catch (e) {
    showError(e.message);
  } finally {
    $("go").disabled = false;
  }
}

function drawHeat(attention, source, target) {
  const canvas = $("heat"), cell = 30, left = 60, top = 110;
  const rows = attention.length, cols = rows ? attention[0].length : 0;
  canvas.width = left + cols * cell + 10;
  canvas.height = top + rows * cell + 10;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < rows; i++) {
    const peak = Math.max(...attention[i], 1e-9);
    for (let j = 0; j < cols; j++) {
      const a = attention[i][j] / peak;           // each row scaled to its own peak
      const shade = Math.round(255 * (1 - a));
      g.fillStyle = `rgb(${shade}, ${Math.round(255 - 180 * a)}, 255)`;
      g.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
    }
  }
  g.fillStyle = "#1d2433";
  g.font = "14px system-ui, sans-serif";
  g.textAlign = "right";
  g.textBaseline = "middle";
  target.forEach((t, i) => g.fillText(t, left - 6, top + i * cell + cell / 2));
  source.forEach((s, j) => {
    g.save();
    g.translate(left + j * cell + cell / 2, top - 6);
    g.rotate(-Math.PI / 3);
    g.textAlign = "left";
    g.fillText(s.replace(/^▁/, ""), 0, 0);
    g.restore();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  fillModels("model", "translate", "en-zh").catch(e => showError(e.message));
  $("go").addEventListener("click", translate);
});
