"""▶ for a recorded run, driven by the kernel.

The button replays the run the widget already holds: about ``MAX_FRAMES`` frames for a
long run (a stride through it, always ending on the last step), one frame per step for a
short one, ``FRAME_S`` apart, so any run replays in about 5-10 s. Each frame asks the
widget to draw every view for the step and only then moves the step slider, so slider,
plots, table and graph caption agree once a frame has arrived (a browser-side link would
move the slider ahead of views the kernel has not drawn yet).

In a kernel the frames run as a task on its event loop (the widget stays responsive:
pressing the button again stops the replay); elsewhere (a script, a test) at once.

:class:`StepViews` is what a lesson widget with a step slider, ▶ and a view switch
(RegressionWidget, ChainRuleWidget) writes once: the replay's frame, the step slider's
observer and the switch between its views (named per widget in ``_views``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
from IPython import get_ipython

from ..i18n import register, tr

__all__ = ["Playback", "StepViews", "frames"]

register({
    "play.tip": ("Replay the run (press again to stop)", "回放这次训练（再按一次停止）"),
})

FRAME_S = 0.1
MAX_FRAMES = 60


def frames(start: int, stop: int) -> list[int]:
    """The steps a replay from ``start`` (shown now) to ``stop`` shows, ``stop`` last."""
    if stop <= start:
        return []
    if stop - start <= MAX_FRAMES - 10:
        return list(range(start + 1, stop + 1))
    picks = np.linspace(start, stop, MAX_FRAMES + 1).round().astype(int)[1:]
    return sorted(set(picks.tolist()))


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the IPython kernel we are in, else None (another
    library's loop, e.g. a browser driver's in a test, never runs our frames)."""
    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Playback:
    """A ▶ toggle that replays ``slider``'s steps with ``show(step)``.

    Parameters
    ----------
    slider
        The step slider (its ``min`` and ``max`` are the run's first and last step).
    show
        Draws every view for a step and sets the slider (without a second redraw).
    """

    def __init__(self, slider: W.IntSlider, show: Callable[[int], None]) -> None:
        self.slider, self.show = slider, show
        self.button = W.ToggleButton(icon="play", tooltip=tr("play.tip"),
                                     layout=W.Layout(width="48px"))
        self.button.add_class("gdw-play")
        self.button.observe(self._toggle, "value")
        self._task: asyncio.Task | None = None

    def _toggle(self, change: dict) -> None:
        if not change["new"]:
            if self._task is not None:
                self._task.cancel()
            self.button.icon = "play"
            return
        self.button.icon = "stop"
        start = self.slider.value
        if start >= self.slider.max:  # at the end: from the beginning
            start = self.slider.min
            self.show(start)
        steps = frames(start, self.slider.max)
        loop = _kernel_loop()
        if loop is None:  # a script or a test: every frame now
            for step in steps:
                self.show(step)
            self.button.value = False
            return
        self._task = loop.create_task(self._replay(steps))

    async def _replay(self, steps: list[int]) -> None:
        try:
            for step in steps:
                self.show(step)
                await asyncio.sleep(FRAME_S)
        finally:
            self._task = None
            self.button.value = False


class StepViews:
    """A mixin of a :class:`~gdwidgets.widgets.base.LessonWidget` that shows one step of a
    recorded run (``_show_step(step)`` draws every view, ``step`` is the slider) and one
    of its views at a time.

    ``_views``: ``{view: (label key, names of the widgets shown in it)}``, in the order of
    the switch's buttons; a widget named in another view only is hidden.
    """

    _views: dict[str, tuple[str, tuple[str, ...]]] = {}

    def _show_step(self, step: int) -> None:
        raise NotImplementedError

    def _add_player(self) -> None:
        """``player`` and its ▶ button ``play``, replaying the ``step`` slider."""
        self.player = Playback(self.step, self._play_frame)
        self.play = self.player.button

    def _play_frame(self, step: int) -> None:
        """One frame of the replay: every view first, then the slider."""
        self._guard(lambda: self._show_step(step))
        with self._hold():
            self.step.value = step

    def _on_step(self, change: dict[str, Any]) -> None:
        if not self._quiet and self.history is not None:
            self._guard(lambda: self._show_step(self.step.value))

    def _view_switch(self) -> W.ToggleButtons:
        """The toggle between ``_views`` (it shows the first)."""
        switch = W.ToggleButtons(
            options=[(tr(key), view) for view, (key, _) in self._views.items()],
            style={"button_width": "auto"})
        switch.add_class("gdw-view")  # a view switch (the browser tests try each)
        switch.observe(self._on_show_view, "value")
        return switch

    def _on_show_view(self, change: dict[str, Any]) -> None:
        shown = self._views[change["new"]][1]
        self._drop_downloads()  # they were the other view's
        for name in dict.fromkeys(n for _, names in self._views.values() for n in names):
            getattr(self, name).layout.display = "" if name in shown else "none"
