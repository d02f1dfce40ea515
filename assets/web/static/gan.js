// gan page: the sample grid as a PNG from /api/gan/sample; the interpolation strip from /api/gan/interpolate,
// cut into frames for the slider.
"use strict";

function query(params) { return new URLSearchParams(params).toString(); }

async function loadImage(url, img) {
  showError("");
  const blob = await (await api(url)).blob();
  img.src = URL.createObjectURL(blob);
  await img.decode();
}

async function sample() {
  try {
    await loadImage("/api/gan/sample?" + query({ model: $("model").value, seed: $("seed").value, n: $("n").value }),
      $("grid"));
  } catch (e) { showError(e.message); }
}

async function walk() {
  try {
    await loadImage("/api/gan/interpolate?" + query({ model: $("model").value, from: $("from").value,
      to: $("to").value, steps: $("steps").value, scale: 1 }), $("strip"));
    $("slider").max = Number($("steps").value) - 1;
    $("slider").value = 0;
    showFrame();
  } catch (e) { showError(e.message); }
}

function showFrame() {
  const strip = $("strip");
  if (!strip.naturalWidth) return;
  const gap = 2, cell = strip.naturalHeight - 2 * gap;  // imageGrid's layout: a 2-pixel gap around each image
  const x = gap + Number($("slider").value) * (cell + gap);
  const g = $("frame").getContext("2d");
  g.imageSmoothingEnabled = false;
  g.drawImage(strip, x, gap, cell, cell, 0, 0, 224, 224);
}

document.addEventListener("DOMContentLoaded", () => {
  fillModels("model", "gan", "mnist").then(() => { sample(); walk(); }).catch(e => showError(e.message));
  $("sample").addEventListener("click", sample);
  $("random").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 1e9); sample(); });
  $("seed").addEventListener("change", sample);
  $("model").addEventListener("change", () => { sample(); walk(); });
  $("walk").addEventListener("click", walk);
  $("slider").addEventListener("input", showFrame);
});
