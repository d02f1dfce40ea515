"""One PNG with validation curves of two runs against wall-clock minutes (the equal-time comparisons)."""
from PIL import Image, ImageDraw


def plot_curves(path, series, title, budget_s, ylabel_hi_cap=5.0):
    """series: [(name, (r, g, b), [(step, seconds, value), ...]), ...]."""
    W, H, L, R, T, B = 720, 420, 70, 20, 40, 50
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    allv = [r[2] for _, _, rows in series for r in rows]
    lo, hi = min(allv), max(min(allv) + 1.5, min(max(allv), ylabel_hi_cap))
    xmax = max(budget_s, max(r[1] for _, _, rows in series for r in rows))

    def pt(sec, v):
        return L + (W - L - R) * sec / xmax, T + (H - T - B) * (1 - (min(v, hi) - lo) / (hi - lo))

    d.line([(L, T), (L, H - B), (W - R, H - B)], fill="black")
    for i, (name, color, rows) in enumerate(series):
        pts = [pt(s, v) for _, s, v in rows]
        if len(pts) > 1:
            d.line(pts, fill=color, width=2)
        d.text((W - 230, T + 16 * i), f"{name}: {rows[-1][2]:.3f}", fill=color)
    d.text((L, 10), title, fill="black")
    d.text((L, H - B + 8), "0", fill="black")
    d.text((W - R - 40, H - B + 8), f"{xmax / 60:.0f} min", fill="black")
    d.text((8, T), f"{hi:.2f}", fill="black")
    d.text((8, H - B - 10), f"{lo:.2f}", fill="black")
    img.save(path)
