"""The static copy under a widget (what a notebook saved without its kernel shows) follows
the live picture: at the end of every cell, and once a slider dragged in the browser rests,
not at each step of the drag."""

from __future__ import annotations

import queue
import time

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from gdwidgets.widgets.base import STATIC_REST

SETUP = """
import gdwidgets, base64
gdwidgets.set_language("en")
w = gdwidgets.RegressionWidget(graph=False)
display(w)
"""


def test_a_later_cell_changes_the_saved_picture():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell("w.lr.value = 0.05"),
        nbformat.v4.new_code_cell("print(base64.b64encode(w.image.value).decode())"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    final = nb.cells[2].outputs[0].text.strip()
    static = [o for o in nb.cells[0].outputs if "text/html" in o.get("data", {})]
    assert len(static) == 1
    html = static[0].data["text/html"]
    assert final in html and "Diverged" in html  # the picture and banner of lr 0.05


def _drain(kc, seconds: float) -> list[dict]:  # type: ignore[no-untyped-def]
    msgs, end = [], time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            msgs.append(kc.get_iopub_msg(timeout=left))
        except queue.Empty:
            break
    return msgs


def test_a_browser_drag_rewrites_the_copy_once_it_rests():
    km, kc = start_new_kernel(kernel_name="python3")
    out: list[str] = []
    try:
        kc.execute_interactive(SETUP + "\nprint(w.lr.model_id)", timeout=120,
                               output_hook=lambda m: _keep(m, out))
        lr_id = out[-1].strip()
        _drain(kc, 0.5)
        for value in (0.02, 0.03, 0.04, 0.05, 0.06):  # as the browser sends a drag
            msg = kc.session.msg("comm_msg", {"comm_id": lr_id, "data": {
                "method": "update", "state": {"value": value}, "buffer_paths": []}})
            kc.shell_channel.send(msg)
            time.sleep(0.05)
        msgs = _drain(kc, STATIC_REST + 1.5)
        rewrites = [m for m in msgs if m["msg_type"] == "update_display_data"]
        images = [m for m in msgs if m["msg_type"] == "comm_msg"
                  and m["content"]["data"].get("buffer_paths") == [["value"]]]
        assert len(images) >= 2  # the live picture followed the drag...
        assert len(rewrites) == 1  # ... and its copy was rewritten once, at rest
        out.clear()
        kc.execute_interactive("print(base64.b64encode(w.image.value).decode(), "
                               "w.history.config.lr)", timeout=60,
                               output_hook=lambda m: _keep(m, out))
        final, lr = out[-1].split()
        assert float(lr) == 0.06
        assert final in rewrites[0]["content"]["data"]["text/html"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _keep(msg: dict, into: list[str]) -> None:
    if msg["msg_type"] == "stream":
        into.append(msg["content"]["text"])
    elif msg["msg_type"] == "error":
        raise AssertionError("\n".join(msg["content"]["traceback"]))
