"""What the screen says adds up and helps: the chain rule's terms sum to the gradient
shown, a banner reports the loss on all the data after the last update and warns when it
grew, and ▶ replays a run in a few seconds with every view on the same step."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from gdwidgets import ChainRuleWidget, RegressionWidget, Session, set_language
from gdwidgets.widgets.playback import FRAME_S, frames


def _cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[html.unescape(re.sub("<[^>]+>", "", c))
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def _add_up(terms: str) -> float:
    """What a student gets adding the numbers shown ('[12 more: 85.5]' is one number)."""
    total = 0.0
    for part in terms.replace(" − ", " + -").split(" + "):
        total += float(re.search(r"(-?[\d.]+(?:e[-+]\d+)?)\]?$", part.strip()).group(1))
    return total


@pytest.mark.parametrize("batch_size", [5, 20])
def test_the_chain_rule_terms_on_screen_add_up_to_the_gradient_shown(batch_size):
    w = ChainRuleWidget(batch_size=batch_size)
    rows = [r for r in _cells(w.table.value) if r]
    assert [r[0].split(" =")[0] for r in rows] == ["a2", "b2", "a1", "b1"]
    for row in rows:
        terms, by_hand = row[2], float(row[3])
        left, total = terms.rsplit(" = ", 1)
        assert _add_up(left) == pytest.approx(by_hand, rel=2e-3, abs=1e-3), row
        assert float(total) == pytest.approx(by_hand, rel=1e-3)
    # ∂L/∂a1's terms are ∂L/∂b1's times each point's x
    a1, b1 = w.chains["a1"].terms, w.chains["b1"].terms
    x = w.session.batch_loss(1).x[:, 0].numpy()
    assert np.allclose(a1, b1 * x, rtol=1e-5)


def test_one_huge_step_is_reported_with_the_loss_after_it():
    h = Session(dataset="linear15", lr=0.5, epochs=1).run()
    assert not h.diverged and h.grew  # too short for the divergence rule
    assert h.final_loss > 100 * h.initial_loss
    assert h.message.startswith("Trained 1 step (1 epoch): the loss on all the data went "
                                f"from {h.initial_loss:.3g} to ")
    assert "instead of falling" in h.message
    w = RegressionWidget(lr=0.5, epochs=1)
    assert "#f08c00" in w.banner.value  # a warning, not the blue info box
    set_language("zh")
    assert "增大了" in h.message and "训练了 1 步（1 轮）" in h.message


def test_a_good_run_reports_the_full_data_loss_in_plural():
    h = Session(dataset="linear15", lr=1e-2, epochs=100).run()
    assert not h.grew and h.final_loss < h.initial_loss
    assert h.message.startswith("Trained 100 steps (100 epochs)")
    err = h.fit(h.config.x) - h.config.y
    assert h.final_loss == pytest.approx(float(np.mean(err.astype(np.float64) ** 2)), rel=1e-6)


def test_a_long_run_replays_in_a_few_seconds_ending_on_its_last_step():
    long, short = frames(0, 2500), frames(0, 30)
    assert long[-1] == 2500 and 50 <= len(long) <= 100  # 5-10 s at FRAME_S
    assert 5 <= len(long) * FRAME_S <= 10
    assert short == list(range(1, 31))  # short runs: every step, 0.1 s each
    assert frames(2500, 2500) == []


def test_play_shows_every_view_at_the_same_step():
    w = RegressionWidget(dataset="linear15", epochs=300)
    seen = []
    draw = w._show_step

    def spy(step, message=None):
        draw(step, message)
        seen.append((step, w.plot.step_text.get_text(), w.table.value))

    w._show_step = spy
    w.step.value = 0
    seen.clear()
    w.play.value = True  # outside a kernel the frames run at once
    assert w.step.value == 300 and not w.play.value
    assert [s for s, _, _ in seen] == frames(0, 300)
    for step, text, table in seen:
        assert text.startswith(f"step {step}")
        k = step
        assert f"{float(w.history.params['w'][k]):.4g}" in table


@pytest.mark.parametrize("settings", [
    dict(dataset="thermometer", lr=1e-2, epochs=200, init={"w": 1.0, "b": 0.0}),
    dict(dataset="thermometer", lr=1e-3),  # the old "try 0.001" advice diverges here
    dict(dataset="linear15", lr=0.05, epochs=100),
    dict(dataset="cubic", model="polynomial", degree=3, lr=0.01, epochs=100),
])
def test_a_divergence_hint_suggests_a_setting_that_converges(settings):
    h = Session(**settings).run()
    assert h.diverged
    lr = h.advice["lr"]
    assert lr is not None and f"learning rate {lr:.2g} (checked: it converges)" in h.message
    again = Session(**{**settings, "lr": float(f"{lr:.2g}")}).run()  # the number on screen
    assert not again.diverged and again.final_loss < again.initial_loss
    if h.advice.get("normalize"):
        assert not Session(**{**settings, "normalize": True}).run().diverged


def test_contrasts_are_explained_and_round_off_is_called_converged():
    assert "steps pile up" in Session(dataset="linear15", lr=1e-2, zero_grad=False).run().message
    adam = Session(dataset="y2x10", normalize=True, lr=0.01, epochs=200, optimizer="adam")
    assert "about lr per step, whatever the gradient's size" in adam.run().message
    tiny = Session(dataset="y2x10", model="two_layer", normalize=True, lr=1e-3, epochs=20,
                   batch_size=5).run()
    assert tiny.final_loss < 1e-6 and tiny.message.endswith("below 1e-6 (converged).")
    set_language("zh")
    for h in (tiny, adam.history):
        assert not re.search(r"normalize=|zero_grad=|\bsgd\b|\bmomentum\b", h.message)


def test_when_every_swept_lr_diverges_the_widget_says_what_helps():
    from gdwidgets import LearningRateWidget

    w = LearningRateWidget(dataset="cubic", model="polynomial", lr_range=(0.1, 1.0), lr=0.3)
    assert w.sweep.diverged.all()
    assert "Every swept learning rate diverged: move the sweep range lower" in w.banner.value
    w.lr_range.value = (1e-5, 1e-3)
    assert not w.sweep.diverged.all() and "Every swept" not in w.banner.value


def test_no_english_option_labels_in_chinese():
    set_language("zh")
    w = RegressionWidget()
    labels = [label for label, _ in w.optimizer.options]
    assert labels == ["SGD", "动量", "Adam"]  # names stay names; momentum is 动量
    names = ("SGD", "Adam", "Linear–PReLU–Linear")  # names, written as names
    assert all(not re.search(r"[a-z]{3,}", label) or label in names
               for label, _ in (*w.optimizer.options, *w.normalize.options, *w.model.options))


def test_float32_round_off_draws_flat_not_as_a_comb():
    w = ChainRuleWidget()  # y2x10 converges to round-off within 100 of its 200 steps
    y = w.plot.loss.get_ydata()
    assert w.history.loss[-50:].min() < 1e-7 * w.history.loss[0]  # noise down there
    assert np.ptp(np.log10(y[-50:])) < 0.05  # drawn as one flat line at the bottom
    assert y[-50:].min() >= w.plot.ax_loss.get_ylim()[0]


def test_a_batch_of_10_keeps_the_tables_short():
    """Batch size 10 (issue #21): five terms and "[5 more: …]" per parameter, so each row
    stays one line, and five points then "… 5 more points" in the batch's table."""
    w = ChainRuleWidget(batch_size=10)
    assert "[5 more: " in w.table.value and "[6 more: " not in w.table.value
    w.show_view.value = "batch"
    assert "5 more points" in w.samples_table.value
