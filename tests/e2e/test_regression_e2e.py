"""The regression lesson in JupyterLab, driven with the keyboard as a person would."""

from __future__ import annotations

import pytest
from harness import KERNEL_PRINT, press, slider_handle, svg_texts, watch


def test_learning_rate_slider_redraws_without_flicker(lesson_page, shot):
    page = lesson_page("02_learning_rate.ipynb")
    widget = page.locator(".widget-vbox", has=page.locator(".widget-image")).first
    img = widget.locator(".widget-image").first
    img.wait_for(state="visible")
    page.evaluate(KERNEL_PRINT, "w.lr.value = 1e-2")  # the lesson's exercise moved it
    page.wait_for_timeout(500)
    shot(widget, "regression-before")
    graph_before = svg_texts(widget)
    watch(page, widget, ".widget-image", parts=("svg", "table"))  # graph and table stay
    handle = slider_handle(widget, "learning rate")
    handle.focus()
    for _ in range(4):  # one key press = one slider step = one retrain (100 full epochs)
        assert press(page, handle, "ArrowLeft") > 0
    log = page.evaluate("window.__gdw")
    assert len({c["key"] for c in log["changes"]}) == 4  # four different pictures
    # the fit, the graph and the table show the kernel's new run
    final_w = float(page.evaluate(KERNEL_PRINT, "print(w.history.final['w'].item())"))
    widget.locator("table", has_text=f"{final_w:.4g}").wait_for(timeout=5000)
    assert svg_texts(widget) != graph_before
    # a quick drag: many presses without waiting; the last value must win
    for _ in range(6):
        handle.press("ArrowRight")
    page.wait_for_timeout(1500)
    log = page.evaluate("window.__gdw")
    assert log["missing"] == log["blank"] == log["jumps"] == 0, log
    drawn = log["changes"][-1]["key"]
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__gdw.changes.at(-1).key") == drawn  # nothing older after
    run_lr = float(page.evaluate(KERNEL_PRINT, "print(w.history.config.lr)"))
    # once the slider rests, the hidden static copy (for the saved notebook) follows
    png = page.evaluate(KERNEL_PRINT, "import base64; print(base64.b64encode(w.image.value)"
                                      ".decode())").strip()
    static = page.locator(".gdw-static img").first
    assert static.get_attribute("src") == f"data:image/png;base64,{png}"
    value = widget.locator(".widget-readout").first.inner_text()
    assert value == f"{run_lr:.2g}"  # the readout's format
    # 4 left, 6 right: two key steps (a tenth of the 1e-5..10 range each) above 1e-2
    assert run_lr == pytest.approx(10 ** (-2 + 2 * 0.6), rel=0.01)
    shot(widget, "regression-after")
    assert not page.console_errors, page.console_errors


# In the page: until the step readout reaches ``last``, record every settled frame (no
# DOM change for 80 ms) of the widget: the readout, the graph caption and the table's w
# (its value row).
SETTLED = """([root, last]) => new Promise(resolve => {
  let changed = performance.now(), frames = [], seen = '';
  new MutationObserver(() => { changed = performance.now(); })
    .observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  const readout = () => [...root.querySelectorAll('.widget-slider')]
    .find(s => s.querySelector('.widget-label').textContent.trim() === 'step')
    .querySelector('.widget-readout').textContent.trim();
  const tick = () => {
    if (performance.now() - changed > 80) {
      const caption = [...root.querySelectorAll('div')].map(d => d.textContent)
        .find(t => t.startsWith('Backward graph of the batch of update')) || '';
      const title = caption.split(String.fromCharCode(10))[0].trim();
      const row = [...root.querySelectorAll('table tr')]  // the value row (not the start)
        .find(r => r.textContent.trim().startsWith('value'));
      const cells = row.querySelectorAll('td');
      const frame = {step: readout(), caption: title, w: cells[0].textContent.trim()};
      const key = JSON.stringify(frame);
      if (key !== seen) { frames.push(frame); seen = key; }
      if (frame.step === String(last)) { resolve(frames); return; }
    }
    requestAnimationFrame(tick);
  };
  tick();
})"""


def test_play_replays_a_long_run_with_every_view_on_the_same_step(lesson_page):
    page = lesson_page("02_learning_rate.ipynb")
    widget = page.locator(".jp-OutputArea-output > .gdw-widget").first
    widget.scroll_into_view_if_needed()
    page.evaluate(KERNEL_PRINT, "w.lr.value = 1e-2; w.step.value = 0")
    page.wait_for_timeout(500)
    n = int(page.evaluate(KERNEL_PRINT, "print(len(w.history))"))
    assert n > 50  # a long run: replayed in strides
    ws = page.evaluate(KERNEL_PRINT, "import json; print(json.dumps("
                                     "[f'{v:.4g}' for v in w.history.params['w']]))")
    ws = __import__("json").loads(ws)
    page.evaluate("args => { window.__play = (" + SETTLED + ")(args); }",
                  [widget.element_handle(), n])
    widget.locator(".gdw-play").first.click()
    frames = page.evaluate("window.__play")  # resolves once the last step is on screen
    steps = [int(f["step"]) for f in frames]
    assert steps[-1] == n and len(set(steps)) >= 5, steps
    assert steps == sorted(steps)  # forward only
    for f in frames:
        k = int(f["step"])
        assert f["w"] == ws[k], f  # the table shows the slider's step
        assert f["caption"].endswith(f"update {min(k + 1, n)}"), f  # so does the graph


def test_a_rate_typed_into_the_readout_is_the_rate_that_runs(lesson_page):
    """Typing 0.05 gave "lr 0.0501" (#22): the slider moved to its nearest stop and sent
    that back. The lr sliders have no stops now: what is typed runs, and stays."""
    page = lesson_page("02_learning_rate.ipynb")
    widget = page.locator(".widget-vbox", has=page.locator(".widget-image")).first
    readout = widget.locator(".widget-slider", has=page.locator(
        ".widget-label", has_text="learning rate")).locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.05")
    page.keyboard.press("Enter")
    page.wait_for_timeout(2000)  # the run, and any value the slider might send back
    said = page.evaluate(KERNEL_PRINT, "print(w.lr.value, w.history.config.lr)").split()
    # the slider sends back 10 ** log10(0.05): 0.05 to the last bit of a float64, the
    # very float32 rate the session trains with
    assert [float(v) for v in said] == pytest.approx([0.05, 0.05], rel=1e-12)
    assert readout.inner_text() == "0.050"  # two significant digits, as 0.010
    page.evaluate(KERNEL_PRINT, "w.lr.value = 1e-2")  # the lesson's own setting again
    page.wait_for_timeout(500)
