"""Contrast of every text a widget shows, measured in the page (WCAG 2, AA: 4.5:1).

:data:`CONTRAST` runs on a widget's root element. HTML text: each visible element with text
of its own (and each ``<select>``), its computed colour composited over its effective
background (the ancestors' backgrounds, from the first opaque one down), its ancestors'
opacity applied. SVG text: its fill against the last shape painted before it under its
centre (a graph node's fill), else the SVG's own background. Colours are read back through
a canvas, so any CSS colour syntax (``color-mix``, ``color(srgb …)``) is understood.
Disabled controls are listed but exempt, as WCAG exempts inactive components.

:func:`set_theme` switches JupyterLab between 'JupyterLab Light' and 'JupyterLab Dark'.
"""

from __future__ import annotations

from typing import Any

CONTRAST = """root => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const parse = css => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = 'rgba(0, 0, 0, 0)';
    ctx.fillStyle = css;
    const alpha = ctx.fillStyle.startsWith('rgba') ? parseFloat(ctx.fillStyle.split(',')[3]) : 1;
    ctx.globalAlpha = 1;
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    if (!alpha) return [0, 0, 0, 0];
    // getImageData un-premultiplies: colour channels are exact enough for AA
    return [d[0], d[1], d[2], alpha];
  };
  const over = (top, base) => [0, 1, 2].map(i => top[i] * top[3] + base[i] * (1 - top[3]))
                                          .concat([1]);
  const lum = c => {
    const l = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const ground = el => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = [255, 255, 255, 1];
    if (!layers.length || layers[layers.length - 1][3] < 1) base = parse(
      getComputedStyle(document.body).backgroundColor);
    return layers.reverse().reduce((b, c) => over(c, b), base);
  };
  const opacity = el => { let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement)
      o *= parseFloat(getComputedStyle(e).opacity);
    return o; };
  const path = el => { const p = [];
    for (let e = el; e && e !== root && p.length < 4; e = e.parentElement)
      p.push(e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className
        ? '.' + e.className.trim().split(/\\s+/)[0] : ''));
    return p.reverse().join(' > '); };
  const out = [];
  const visible = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const disabled = el => !!el.closest(':disabled, .mod-disabled, [disabled]');
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('svg, style, script') || !visible(el)) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim())
      .map(n => n.textContent.trim()).join(' ');
    const text = el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent : own;
    if (!text) continue;
    const bg = ground(el);
    const fg = parse(getComputedStyle(el).color);
    fg[3] *= opacity(el);
    out.push({kind: 'html', text: text.slice(0, 40), where: path(el), disabled: disabled(el),
              ratio: ratio(over(fg, bg), bg)});
  }
  for (const svg of root.querySelectorAll('svg')) {
    if (!visible(svg)) continue;
    const shapes = [...svg.querySelectorAll('polygon, rect, ellipse, path, circle')]
      .filter(s => { const f = getComputedStyle(s).fill;
                     return f && f !== 'none' && parse(f)[3] > 0; });
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim() || !visible(t)) continue;
      const r = t.getBoundingClientRect();
      const [x, y] = [r.x + r.width / 2, r.y + r.height / 2];
      let bg = ground(svg);
      for (const s of shapes) {
        if (!(s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const b = s.getBoundingClientRect();
        if (x < b.left || x > b.right || y < b.top || y > b.bottom) continue;
        const f = parse(getComputedStyle(s).fill);
        f[3] *= parseFloat(getComputedStyle(s).fillOpacity);
        bg = over(f, bg);
      }
      const fg = parse(getComputedStyle(t).fill);
      out.push({kind: 'svg', text: t.textContent.trim().slice(0, 40), where: path(t),
                disabled: false, ratio: ratio(over(fg, bg), bg)});
    }
  }
  return out;
}"""

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def set_theme(page: Any, theme: str) -> None:
    """Switch Lab to ``theme`` ('light' or 'dark') and wait until it is applied."""
    page.evaluate(f"window.jupyterapp.commands.execute('apputils:change-theme', "
                  f"{{theme: '{THEMES[theme]}'}})")
    light = "true" if theme == "light" else "false"
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{light}'",
                           timeout=15_000)
    page.wait_for_timeout(400)  # the theme's stylesheet settles


def texts_below(page: Any, widget: Any, aa: float = 4.5) -> tuple[list[dict], dict]:
    """(the texts of ``widget`` under ``aa`` that count, the one that counts with the
    smallest ratio: ``{kind, text, where, ratio}``)."""
    found = widget.evaluate(CONTRAST)
    counted = [t for t in found if not t["disabled"]]
    low = min(counted, key=lambda t: t["ratio"], default={"ratio": 21.0, "text": ""})
    return [t for t in counted if t["ratio"] < aa], low
