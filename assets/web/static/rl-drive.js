// rl-drive page: reads /api/rl/episode (NDJSON: the track, then one state per step, then the result) and draws the
// car at simulated time; /api/rl/gridworld gives value iteration's values per sweep, drawn one sweep per frame.
"use strict";
let episode = 0;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Maps track metres to canvas pixels, fitting the track's edges with a margin. */
function projection(track, canvas) {
  const points = track.left.concat(track.right);
  const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((canvas.width - 40) / (x1 - x0), (canvas.height - 40) / (y1 - y0));
  const ox = (canvas.width - scale * (x1 - x0)) / 2, oy = (canvas.height - scale * (y1 - y0)) / 2;
  return { scale, at: (x, y) => [ox + scale * (x - x0), canvas.height - (oy + scale * (y - y0))] };
}

function drawTrack(g, track, p) {
  g.fillStyle = "#3f7d3a";
  g.fillRect(0, 0, g.canvas.width, g.canvas.height);
  g.beginPath();
  track.left.forEach((q, i) => (i ? g.lineTo : g.moveTo).call(g, ...p.at(q[0], q[1])));
  g.closePath();
  track.right.forEach((q, i) => (i ? g.lineTo : g.moveTo).call(g, ...p.at(q[0], q[1])));
  g.closePath();
  g.fillStyle = "#4b5563";
  g.fill("evenodd");
  g.strokeStyle = "#f3f4f6";
  g.lineWidth = 2;
  g.stroke();
  g.setLineDash([8, 10]);
  g.beginPath();
  track.centre.forEach((q, i) => (i ? g.lineTo : g.moveTo).call(g, ...p.at(q[0], q[1])));
  g.closePath();
  g.strokeStyle = "#e5e7eb88";
  g.lineWidth = 1;
  g.stroke();
  g.setLineDash([]);
}

function drawCar(g, track, p, s) {
  const [cx, cy] = p.at(s.x, s.y);
  const fan = Math.PI;  // the rays fan over ±90° around the heading
  s.rays.forEach((d, i) => {
    const angle = s.heading - fan / 2 + (track.rays > 1 ? fan * i / (track.rays - 1) : fan / 2);
    const [ex, ey] = p.at(s.x + d * Math.cos(angle), s.y + d * Math.sin(angle));
    g.strokeStyle = d < track.ray_range ? "#fbbf24" : "#fbbf2455";
    g.beginPath(); g.moveTo(cx, cy); g.lineTo(ex, ey); g.stroke();
  });
  g.save();
  g.translate(cx, cy);
  g.rotate(-s.heading);
  g.fillStyle = "#ef4444";
  const L = Math.max(8, 4.2 * p.scale), W = Math.max(4, 2 * p.scale);
  g.fillRect(-L / 2, -W / 2, L, W);
  g.fillStyle = "#111827";
  g.fillRect(L / 4, -W / 2, L / 5, W);
  g.restore();
}

async function drive() {
  const mine = ++episode;
  showError("");
  const canvas = $("road"), g = canvas.getContext("2d");
  let track = null, p = null, total = 0, started = performance.now(), simulated = 0;
  const q = new URLSearchParams({ track: $("track").value, agent: $("agent").value, seed: $("seed").value });
  try {
    const response = await api("/api/rl/episode?" + q);
    await forEachLine(response, async line => {
      if (!line || mine !== episode) return;
      const m = JSON.parse(line);
      if (m.type === "track") {
        track = m; p = projection(m, canvas); started = performance.now(); simulated = 0;
      } else if (m.type === "step") {
        total += m.reward;
        simulated = m.step * 0.1 / Number($("speed").value);  // dt = 0.1 s per step
        const ahead = simulated * 1000 - (performance.now() - started);
        if (ahead > 4) await sleep(ahead);
        if (mine !== episode) return;
        drawTrack(g, track, p);
        drawCar(g, track, p, m);
        $("hud").textContent = `step ${m.step} · ${(m.step * 0.1).toFixed(1)} s · speed ${(m.speed * 3.6).toFixed(0)} km/h` +
          ` · lap ${m.laps} · return ${total.toFixed(1)}`;
      } else if (m.type === "done") {
        $("hud").textContent = `${track.name}: ${m.laps} laps in ${m.steps} steps (${m.seconds.toFixed(1)} s), ` +
          `return ${m.return.toFixed(1)}${m.crashed ? ", crashed" : ""}`;
        $("hud").dataset.done = "true";
      }
    });
  } catch (e) { showError(e.message); }
}

const ARROWS = ["←", "↑", "→", "↓"];

async function gridworld() {
  const r = await (await api("/api/rl/gridworld?sweeps=14")).json();
  const canvas = $("gridworld"), g = canvas.getContext("2d");
  const cell = Math.floor(Math.min(canvas.width / r.width, canvas.height / r.height));
  for (let k = 0; k < r.sweeps.length; k++) {
    const v = r.sweeps[k], policy = r.policies[k];
    const finite = v.filter((x, i) => r.cells[i] === "." || r.cells[i] === "S");
    const lo = Math.min(...finite, 0), hi = Math.max(...finite, 1e-9);
    for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) {
      const i = y * r.width + x, c = r.cells[i];
      const t = (v[i] - lo) / (hi - lo || 1);
      g.fillStyle = c === "#" ? "#374151" : c === "X" ? "#7f1d1d" : c === "G" ? "#15803d" :
        `rgb(${Math.round(230 - 200 * t)}, ${Math.round(230 - 60 * t)}, ${Math.round(240 - 20 * t)})`;
      g.fillRect(x * cell, y * cell, cell - 1, cell - 1);
      g.fillStyle = "#111827";
      g.font = `${Math.round(cell / 4)}px system-ui, sans-serif`;
      g.textAlign = "center";
      if (c === "." || c === "S") {
        g.fillText(v[i].toFixed(2), x * cell + cell / 2, y * cell + cell * 0.35);
        g.font = `${Math.round(cell / 2.5)}px system-ui, sans-serif`;
        g.fillText(ARROWS[policy[i]], x * cell + cell / 2, y * cell + cell * 0.8);
      } else if (c === "G") {
        g.fillStyle = "#fff"; g.fillText("goal", x * cell + cell / 2, y * cell + cell / 2);
      }
    }
    $("gridhud").textContent = `sweep ${k + 1} of ${r.sweeps.length} (converges after ${r.converged}), γ = ${r.discount}`;
    await sleep(250);
  }
  $("gridhud").dataset.done = "true";
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    const health = await (await api("/api/health")).json();
    for (const [id, key] of [["track", "tracks"], ["agent", "rl-drive"]]) {
      for (const name of health.models[key]) {
        const o = document.createElement("option");
        o.value = o.textContent = name;
        $(id).appendChild(o);
      }
    }
    $("track").value = "oval";
    $("agent").value = "dqn";
  } catch (e) { showError(e.message); }
  $("drive").addEventListener("click", drive);
  $("grid").addEventListener("click", () => gridworld().catch(e => showError(e.message)));
  drive();
  gridworld().catch(e => showError(e.message));
});
