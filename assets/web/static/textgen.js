// textgen page: POST the prime to /api/textgen and append each streamed character as it arrives.
"use strict";
let controller = null;

async function generate() {
  showError("");
  controller = new AbortController();
  $("go").disabled = true;
  $("stop").disabled = false;
  const output = $("output");
  output.innerHTML = "";
  const prime = document.createElement("span");
  prime.className = "prime";
  const text = document.createElement("span");
  text.id = "generated";
  output.append(prime, text);
  const body = { prime: $("prime").value, length: Number($("length").value), model: $("model").value,
    temperature: Number($("temperature").value), top_p: Number($("top_p").value), seed: Number($("seed").value) };
  const started = performance.now();
  let count = 0, event = "";
  try {
    const response = await api("/api/textgen", { method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    await forEachLine(response, line => {
      if (line.startsWith("event: ")) { event = line.slice(7); return; }
      if (!line.startsWith("data: ")) return;
      const data = JSON.parse(line.slice(6));
      if (event === "start") {
        prime.textContent = data.prime;
        if (data.skipped) showError(`not in the model's vocabulary, skipped: ${data.skipped}`);
      } else if (event === "token") {
        text.textContent += data.token;
        count++;
        const seconds = (performance.now() - started) / 1000;
        $("rate").textContent = `${count} characters, ${(count / seconds).toFixed(0)} per second`;
      } else if (event === "done") {
        output.dataset.done = "true";
      }
    });
  } catch (e) {
    if (e.name !== "AbortError") showError(e.message);
  } finally {
    $("go").disabled = false;
    $("stop").disabled = true;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  fillModels("model", "textgen", "chinese").catch(e => showError(e.message));
  $("go").addEventListener("click", generate);
  $("stop").addEventListener("click", () => controller && controller.abort());
  $("model").addEventListener("change", () => {
    if ($("model").value === "shakespeare" && $("prime").value === "深度学习") $("prime").value = "ROMEO:";
  });
});
