#!/usr/bin/env python3
"""End-to-end test of kestrel-web in headless Chromium, over the W3C WebDriver protocol (chromedriver).

Drives every page as a user would (drop a photo, generate text, translate, sample and interpolate the GAN,
rate a movie, watch the car and the gridworld) and checks what the page shows against the JSON API.
Standard library only: WebDriver is plain HTTP + JSON, so no selenium package is needed.

    web_e2e.py --server http://127.0.0.1:PORT [--screenshots DIR] [--chromedriver PATH] [--chromium PATH]

Exit 0 when every check passes, 1 on a failed check (the message says which page and what).
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Failure(Exception):
    pass


def http(method, url, body=None, headers=None, timeout=120):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None and not isinstance(body, bytes):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Browser:
    """A WebDriver session: just the commands this test needs."""

    def __init__(self, driver_url, chromium):
        self.base = driver_url
        options = {"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1100,1000", "--lang=en-US"]}
        if chromium:
            options["binary"] = chromium
        status, reply = http("POST", self.base + "/session",
                             {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        if status != 200:
            raise Failure(f"chromedriver would not start Chromium: {reply[:300]!r}")
        self.session = self.base + "/session/" + json.loads(reply)["value"]["sessionId"]

    def command(self, method, path, body=None):
        status, reply = http(method, self.session + path, body if body is not None else ({} if method == "POST" else None))
        value = json.loads(reply).get("value") if reply else None
        if status != 200:
            raise Failure(f"WebDriver {path}: {value}")
        return value

    def go(self, url):
        self.command("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.command("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return self.command("POST", "/execute/async", {"script": script, "args": list(args)})

    def wait(self, script, what, timeout=90, *args):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.js(script, *args)
            if value:
                return value
            time.sleep(0.2)
        error = self.js("const e = document.getElementById('error'); return e ? e.textContent : ''")
        raise Failure(f"timed out after {timeout} s waiting for {what}" + (f" (page says: {error})" if error else ""))

    def screenshot(self, path):
        png = base64.b64decode(self.command("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)

    def close(self):
        try:
            http("DELETE", self.session)
        except Exception:
            pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_index(b, server):
    b.go(server + "/")
    links = b.wait("return [...document.querySelectorAll('#apps a')].map(a => a.getAttribute('href'))", "the app links")
    check(links == ["/classify", "/textgen", "/translate", "/gan", "/recommend", "/rl-drive"], f"index links {links}")
    status = b.wait("const t = document.getElementById('status').textContent; return t.startsWith('Server ok') && t",
                    "the health line")
    return status


def page_classify(b, server):
    photo = open(os.path.join(ROOT, "assets/samples/chelsea.png"), "rb").read()
    status, reply = http("POST", server + "/api/classify?top=5&model=efficientnet-lite0", photo,
                         {"Content-Type": "image/png"})
    check(status == 200, f"API classify: {status} {reply[:200]!r}")
    expected = [p["label"] for p in json.loads(reply)["predictions"]]
    b.go(server + "/classify")
    b.wait("return document.getElementById('model').options.length > 0", "the model list")
    # A real drop event carrying the photo as a File, as a user's drag and drop delivers it.
    b.js("""
      const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'chelsea.png', { type: 'image/png' }));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
    """, base64.b64encode(photo).decode())
    labels = b.wait("const r = [...document.querySelectorAll('.prediction span:first-child')].map(s => s.textContent);"
                    " return r.length === 5 && r", "five prediction bars")
    check(labels == expected, f"bars {labels} differ from the API's {expected}")
    widths = b.js("return [...document.querySelectorAll('.prediction .fill')].map(f => parseFloat(f.style.width))")
    check(widths[0] == 100 and widths == sorted(widths, reverse=True), f"bar widths {widths}")
    return labels[0]


def page_textgen(b, server):
    b.go(server + "/textgen")
    b.wait("return document.getElementById('model').options.length > 0", "the model list")
    b.js("document.getElementById('length').value = 120; document.getElementById('seed').value = 7")
    b.js("document.getElementById('go').click()")
    b.wait("return document.getElementById('output').dataset.done === 'true'", "the stream to finish")
    shown = b.js("return document.getElementById('output').textContent")
    status, reply = http("POST", server + "/api/textgen?stream=false",
                         {"prime": "深度学习", "length": 120, "seed": 7, "temperature": 0.8, "top_p": 0.95,
                          "model": "chinese"})
    check(status == 200, f"API textgen: {status}")
    check(shown == json.loads(reply)["text"], "the streamed page text differs from the API's text for the same seed")
    check(len(shown) == len("深度学习") + 120, f"{len(shown)} characters shown")
    return shown[:40]


def page_translate(b, server):
    b.go(server + "/translate")
    b.wait("return document.getElementById('model').options.length > 0", "the model list")
    b.js("document.getElementById('go').click()")
    translation = b.wait("return document.getElementById('translation').textContent", "the translation")
    size = b.js("const c = document.getElementById('heat'); return [c.width, c.height]")
    check(size[0] > 200 and size[1] > 200, f"heat map canvas {size}")
    inked = b.js("""const c = document.getElementById('heat'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n""")
    check(inked > 500, f"heat map has only {inked} dark pixels")
    return translation


def page_gan(b, server):
    b.go(server + "/gan")
    b.wait("return document.getElementById('grid').naturalWidth > 0", "the sample grid")
    first = b.js("return document.getElementById('grid').src")
    b.js("document.getElementById('seed').value = 12345; document.getElementById('sample').click()")
    b.wait("return document.getElementById('grid').src !== arguments[0] && document.getElementById('grid').naturalWidth > 0",
           "a new grid for seed 12345", 30, first)
    b.wait("return document.getElementById('strip').naturalWidth > 0", "the interpolation strip")
    frames = []
    for position in (0, 15):
        b.js("const s = document.getElementById('slider'); s.value = arguments[0]; s.dispatchEvent(new Event('input'))",
             position)
        frames.append(b.js("const c = document.getElementById('frame');"
                           " return Array.from(c.getContext('2d').getImageData(0, 0, 224, 224).data).filter((v, i) => i % 4 === 0)"
                           ".reduce((a, v) => a + v, 0)"))
    check(frames[0] > 0 and frames[1] > 0 and frames[0] != frames[1], f"slider frames {frames}")
    return frames


def page_recommend(b, server):
    b.go(server + "/recommend")
    b.js("document.getElementById('user').value = 'e2e-user'")
    status, _ = http("POST", server + "/api/rate", {"user": "e2e-user", "item": "50", "rating": 5})
    check(status == 200, f"API rate: {status}")
    b.js("document.getElementById('go').click()")
    before = b.wait("const r = [...document.querySelectorAll('#items tbody tr')].map(t => t.dataset.item);"
                    " return r.length === 10 && r", "ten recommendations")
    b.js("document.querySelector('#items tbody tr button.star:nth-child(4)').click()")  # 4 stars for the first
    after = b.wait("const r = [...document.querySelectorAll('#items tbody tr')].map(t => t.dataset.item);"
                   " return r.length === 10 && r[0] !== arguments[0] && r", "the list to change", 30, before[0])
    check(before[0] not in after, f"the rated item {before[0]} is still recommended")
    rated = b.wait("return document.querySelectorAll('#rated tbody tr').length", "the user's ratings")
    check(rated == 2, f"{rated} ratings shown, expected 2")
    return before[:3], after[:3]


def page_rl(b, server):
    b.go(server + "/rl-drive")
    b.wait("return document.getElementById('track').options.length === 3", "the track list")
    b.js("document.getElementById('speed').value = '16'")
    hud = b.wait("const h = document.getElementById('hud'); return h.dataset.done === 'true' && h.textContent",
                 "the episode to finish", 120)
    check("laps" in hud and "crashed" not in hud, f"episode result: {hud}")
    b.wait("return document.getElementById('gridhud').dataset.done === 'true'", "value iteration to finish", 60)
    return hud


PAGES = [("index", page_index), ("classify", page_classify), ("textgen", page_textgen),
         ("translate", page_translate), ("gan", page_gan), ("recommend", page_recommend), ("rl-drive", page_rl)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="kestrel-web's URL, started with a ratings --db")
    parser.add_argument("--screenshots", help="write one PNG per page here")
    parser.add_argument("--chromedriver", default="chromedriver")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port = free_port()
    driver = subprocess.Popen([args.chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    failures = 0
    try:
        for _ in range(100):
            try:
                if http("GET", f"http://127.0.0.1:{port}/status", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        browser = Browser(f"http://127.0.0.1:{port}", args.chromium if os.path.exists(args.chromium) else None)
        try:
            for name, run in PAGES:
                started = time.time()
                try:
                    result = run(browser, args.server.rstrip("/"))
                    print(f"ok    {name:10} {time.time() - started:5.1f} s  {result}")
                except Failure as failure:
                    failures += 1
                    print(f"FAIL  {name:10} {failure}")
                if args.screenshots:
                    os.makedirs(args.screenshots, exist_ok=True)
                    browser.screenshot(os.path.join(args.screenshots, f"web-{name}.png"))
                console = browser.command("POST", "/execute/sync", {"script": "return window.__errors || []", "args": []})
                if console:
                    failures += 1
                    print(f"FAIL  {name:10} JavaScript errors: {console}")
        finally:
            browser.close()
    except Failure as failure:
        print(f"FAIL  {failure}")
        failures += 1
    finally:
        driver.terminate()
    print(f"{len(PAGES) - failures if failures <= len(PAGES) else 0} of {len(PAGES)} pages passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
