"""The seeds' training variants as Session settings (issue #23), each compared step by step
with the seed's own code in plain torch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from gdwidgets.training import Session, lr_sweep


def seed_002_no_bias(epochs: int = 100, lr: float = 0.01) -> tuple[list[float], list[float]]:
    """Seed 002's first loop as printed: y = x * w1 from w1 = 0, one point per update, in
    order. Returns every gradient and every w1 after its update."""
    x_data = [float(i) for i in range(1, 6)]
    y_data = [2 * i for i in x_data]
    w1 = torch.tensor([0.0], requires_grad=True)
    grads, ws = [], []
    for _ in range(epochs):
        for x, y in zip(x_data, y_data):
            loss = (x * w1 - y) ** 2
            loss.backward()
            grads.append(w1.grad.item())
            w1.data -= lr * w1.grad.data
            w1.grad.zero_()
            ws.append(w1.item())
    return grads, ws


@pytest.mark.parametrize("gradients", ["manual", "autograd"])
def test_seed_002_without_a_bias_step_by_step(gradients):
    grads, ws = seed_002_no_bias()
    h = Session(dataset="y2x", lr=0.01, batch_size=1, epochs=100, init=0.0, bias=False,
                gradients=gradients).run()
    assert h.config.layout.names == ("w",)
    assert h.grads["w"][1] == pytest.approx(-15.68, abs=1e-5)  # the seed prints -15.68
    np.testing.assert_allclose(h.grads["w"], grads, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h.params["w"][1:], ws, rtol=1e-6, atol=1e-6)
    assert f"{float(h.final['w']):.4f}" == "2.0000"


def test_with_a_bias_the_same_run_is_not_the_seeds():
    """The reason for the setting: a line with b gets -15.52 at step 2 and ends at 1.9778."""
    h = Session(dataset="y2x", lr=0.01, batch_size=1, epochs=100, init=0.0).run()
    assert h.grads["w"][1] == pytest.approx(-15.52, abs=0.01)
    assert f"{float(h.final['w']):.4f}" == "1.9778"


def test_no_bias_polynomial_and_sweep_agree_with_session():
    s = dict(dataset="y2x", model="polynomial", degree=2, batch_size=1, epochs=5, init=0.0,
             bias=False)
    h = Session(lr=1e-3, **s).run()
    assert set(h.final) == {"w1", "w2"}
    x = torch.arange(1.0, 6.0)
    w = torch.zeros(2, requires_grad=True)
    for _ in range(5):  # the same by hand: y = w1 x + w2 x^2, one point at a time
        for xi, yi in zip(x, 2 * x):
            loss = (w[0] * xi + w[1] * xi**2 - yi) ** 2
            loss.backward()
            w.data -= 1e-3 * w.grad
            w.grad.zero_()
    np.testing.assert_allclose([h.final["w1"], h.final["w2"]], w.detach(), rtol=1e-5)
    sweep = lr_sweep(lrs=[1e-3], **s)
    assert sweep.final_loss[0] == pytest.approx(h.final_loss, rel=1e-5)


@pytest.mark.parametrize("settings, words", [
    (dict(model="mlp", bias=False), "bias=False is for the 'linear' and 'polynomial' models, "
                                    "got model='mlp'"),
    (dict(model="two_layer", dataset="y2x", bias=False), "got model='two_layer'"),
    (dict(bias=False, normalize=True), "bias=False cannot go with normalize=True"),
    (dict(bias=0), "bias must be True or False, got 0"),
])
def test_bias_is_refused_where_it_cannot_hold(settings, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Session(**settings)


def test_no_bias_with_a_factor_reads_back_in_data_units():
    h = Session(dataset="y2x", bias=False, normalize=0.5, lr=0.01, epochs=50).run()
    assert set(h.in_data_units()) == {"w"}
    assert float(h.in_data_units()["w"]) == pytest.approx(0.5 * float(h.final["w"]))
    np.testing.assert_allclose(h.fit([1.0, 3.0]), [h.in_data_units()["w"] * v
                                                   for v in (1.0, 3.0)], rtol=1e-5)


def seed_003_loop(lr_a: float, lr_b: float, epochs: int, half: bool = True
                  ) -> tuple[list[float], list[tuple[float, float]]]:
    """Seed 003's loop: y = a x + b on x = 1, 3, ..., 99, batches of 5 in order, the loss
    ``sum((y_pred - y)**2) / 2`` (``half=False``: the sum), a from 20 and b from 30."""
    x = torch.arange(1, 100, 2)
    y = x * 2 + 10
    a = torch.tensor(20.0, requires_grad=True)
    b = torch.tensor(30.0, requires_grad=True)
    losses, params = [], []
    for _ in range(epochs):
        for start in range(0, 50, 5):
            xt, yt = x[start:start + 5], y[start:start + 5]
            loss = torch.sum((a * xt + b - yt) ** 2) / (2 if half else 1)
            loss.backward()
            losses.append(loss.item())
            a.data = a.data - a.grad.data * lr_a
            b.data = b.data - b.grad.data * lr_b
            a.grad.zero_()
            b.grad.zero_()
            params.append((a.item(), b.item()))
    return losses, params


@pytest.mark.parametrize("reduction, gradients, lr", [("half_sum", "manual", 1e-4),
                                                      ("half_sum", "autograd", 1e-4),
                                                      ("sum", "manual", 5e-5)])
def test_seed_003_sum_losses_step_by_step(reduction, gradients, lr):
    """One learning rate for both (the per-parameter rates are the next part)."""
    losses, params = seed_003_loop(lr, lr, 20, half=reduction == "half_sum")
    h = Session(dataset="y2x10", lr=lr, batch_size=5, epochs=20, init={"w": 20, "b": 30},
                reduction=reduction, gradients=gradients).run()
    assert not h.diverged
    np.testing.assert_allclose(h.loss, losses, rtol=2e-5)
    np.testing.assert_allclose(np.stack([h.params["w"][1:], h.params["b"][1:]], 1), params,
                               rtol=2e-5)
    x, y = np.arange(1, 100, 2.0), np.arange(1, 100, 2.0) * 2 + 10
    first = np.sum((20 * x + 30 - y) ** 2) / (2 if reduction == "half_sum" else 1)
    assert h.initial_loss == pytest.approx(first)  # the loss on all the data: all 50 points


def test_a_reduction_scales_the_loss_and_gradient_of_the_mean():
    mean = Session(dataset="y2x10", lr=1e-4, batch_size=5, epochs=1, init=1.0).run()
    half = Session(dataset="y2x10", lr=1e-4 / 2.5, batch_size=5, epochs=1, init=1.0,
                   reduction="half_sum").run()
    np.testing.assert_allclose(half.loss, 2.5 * mean.loss, rtol=1e-5)  # m / 2 = 2.5
    np.testing.assert_allclose(half.grads["w"], 2.5 * mean.grads["w"], rtol=1e-5)
    np.testing.assert_allclose(half.theta, mean.theta, rtol=1e-5)  # lr / 2.5: same path
    s = Session(dataset="y2x10", batch_size=5, epochs=1, init=1.0, reduction="sum")
    s.run()
    assert s.batch_loss(update=3).loss.item() == pytest.approx(float(s.history.loss[2]),
                                                               rel=1e-5)
    with pytest.raises(ValueError, match=r"^reduction must be one of 'mean', 'sum', "
                       r"'half_sum', got 'max'$"):
        Session(reduction="max")


@pytest.mark.parametrize("gradients", ["manual", "autograd"])
def test_seed_003_with_its_rates_per_parameter(gradients):
    losses, params = seed_003_loop(1e-4, 1e-3, 100)
    h = Session(dataset="y2x10", lr={"w": 1e-4, "b": 1e-3}, batch_size=5, epochs=100,
                init={"w": 20, "b": 30}, reduction="half_sum", gradients=gradients).run()
    # float32 cancellation: predictions near |y| <= 208 carry ~1e-4 absolute error each
    # (a few ulps there), so a small batch loss sum(r^2)/2 of 5 residuals r ~ 3 is good to
    # ~5 * 3 * 1e-4 = 1.5e-3 whatever the order of operations: atol 5e-3
    np.testing.assert_allclose(h.loss, losses, rtol=1e-4, atol=5e-3)
    np.testing.assert_allclose(np.stack([h.params["w"][1:], h.params["b"][1:]], 1), params,
                               rtol=1e-5, atol=1e-5)
    assert f"{float(h.final['w']):.4f}" == "2.0001" and f"{float(h.final['b']):.2f}" == "14.06"
    by_a = Session(dataset="y2x10", lr={"a": 1e-4, "b": 1e-3}, batch_size=5, epochs=2,
                   init={"a": 20, "b": 30}, reduction="half_sum").run()
    np.testing.assert_allclose(by_a.theta, h.theta[:21], rtol=1e-6)  # the engine's name


def test_seed_003_two_layer_chain_with_its_own_update():
    """The seed's chain, a1 and a2 at 1e-4, b1 and b2 at 1e-3, every step it takes."""
    x = torch.arange(1, 100, 2)
    y = x * 2 + 10
    p = {n: torch.tensor(v, requires_grad=True) for n, v in
         (("a1", 20.0), ("b1", 30.0), ("a2", 20.0), ("b2", 30.0))}
    rates = {"a1": 1e-4, "b1": 1e-3, "a2": 1e-4, "b2": 1e-3}
    h = Session(dataset="y2x10", model="two_layer", lr=rates, batch_size=5, epochs=1,
                init={"a1": 20, "b1": 30, "a2": 20, "b2": 30}, reduction="half_sum").run()
    for k in range(len(h)):
        xt, yt = x[5 * k:5 * k + 5], y[5 * k:5 * k + 5]
        loss = torch.sum((p["a2"] * (p["a1"] * xt + p["b1"]) + p["b2"] - yt) ** 2) / 2
        loss.backward()
        assert h.loss[k] == pytest.approx(loss.item(), rel=1e-5)
        for n in p:
            assert h.grads[n][k] == pytest.approx(p[n].grad.item(), rel=1e-5), (k, n)
            p[n].data -= p[n].grad.data * rates[n]
            p[n].grad.zero_()
            assert h.params[n][k + 1] == pytest.approx(p[n].item(), rel=1e-5), (k, n)
    assert len(h) >= 2  # it takes at least two of the seed's steps before any divergence


@pytest.mark.parametrize("lr, words", [
    ({"w": 1e-4}, "lr gives no rate for b: give one for every parameter of model 'linear' "
                  "(w/a, b), or one number for all"),
    ({"w": 1e-4, "b": 1e-3, "q": 1.0}, "lr has no parameter 'q': model 'linear' has w/a, b"),
    ({"a": 1e-4, "w": 1e-4, "b": 1.0}, "lr gives both 'a' and 'w': they are one parameter"),
    ({"w": -1.0, "b": 1e-3}, "lr['w'] must be a finite number > 0, got -1.0"),
    ({"w": float("nan"), "b": 1e-3}, "lr['w'] must be a finite number > 0, got nan"),
])
def test_a_rate_per_parameter_is_checked_by_name(lr, words):
    with pytest.raises(ValueError, match="^" + re.escape(words)):
        Session(lr=lr)


def test_every_optimizer_takes_a_rate_per_parameter():
    for optimizer in ("sgd", "momentum", "adam"):
        both = Session(lr={"w": 0.05, "b": 0.05}, optimizer=optimizer, epochs=20).run()
        one = Session(lr=0.05, optimizer=optimizer, epochs=20).run()
        np.testing.assert_array_equal(both.theta, one.theta)  # equal rates: the same run
        frozen = Session(lr={"w": 0.05, "b": 1e-12}, optimizer=optimizer, epochs=20,
                         init=0.0).run()
        assert abs(float(frozen.final["b"])) < 1e-8 < abs(float(frozen.final["w"]))


def seed_002_loader_run(seed: int, epochs: int) -> tuple[list[float], list[int]]:
    """Seed 002's Linear-PReLU-Linear with Adam and DataLoader(shuffle=True), as its script
    runs after torch.manual_seed(seed): every step's loss and the points in visiting order."""
    torch.manual_seed(seed)
    x_data = torch.Tensor([float(i) for i in range(1, 6)])
    y_data = torch.Tensor([2 * i for i in x_data])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_data, y_data),
                                         batch_size=1, shuffle=True)
    model = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.PReLU(),
                                torch.nn.Linear(1, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses, order = [], []
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = torch.nn.MSELoss()(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            order.append(int(x.item()) - 1)
    return losses, order


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_002_dataloader_order_step_by_step(seed):
    losses, order = seed_002_loader_run(seed, 30)
    h = Session(dataset="y2x", model="mlp", hidden=1, optimizer="adam", lr=0.01, batch_size=1,
                shuffle="loader", seed=seed, epochs=30).run()
    assert [int(h.batch(update=k)[0]) for k in range(1, len(h) + 1)] == order
    np.testing.assert_allclose(h.loss, losses, rtol=1e-4, atol=1e-6)
    epoch_mean = np.add.reduceat(np.array(losses), np.arange(0, 150, 5)) / 5
    np.testing.assert_allclose(h.epoch_loss, epoch_mean, rtol=1e-4, atol=1e-6)
    own = Session(dataset="y2x", model="mlp", hidden=1, optimizer="adam", lr=0.01,
                  batch_size=1, shuffle=True, seed=seed, epochs=30).run()
    assert [int(own.batch(update=k)[0]) for k in range(1, 31)] != order[:30]  # not the same


def test_shuffle_takes_false_true_or_loader():
    with pytest.raises(ValueError, match=r"^shuffle must be False, True or 'loader' "
                       r"\(torch DataLoader's order, seed 002\), got 'yes'$"):
        Session(shuffle="yes")
    h = Session(dataset="line200", batch_size=50, shuffle="loader", epochs=2, seed=3).run()
    assert sorted(np.concatenate([h.batch(update=k) for k in range(1, 5)])) == list(range(200))


# ----- seed 002's quadratic homework: the explosion it prints ---------------------------
def seed_002_quadratic(steps: int, lr: float = 0.01) -> list[float]:
    """Seed 002's quadratic loop as printed (y = x² w1 + x w2 + b from zeros, one point
    per update, in order): every step's loss, ``l.item()``."""
    x_data = [float(i) for i in range(1, 6)]
    w1, w2, b = (torch.tensor([0.0], requires_grad=True) for _ in range(3))
    losses: list[float] = []
    while len(losses) < steps:
        for x in x_data:
            loss = (x**2 * w1 + x * w2 + b - 2 * x) ** 2
            loss.backward()
            losses.append(loss.item())
            for p in (w1, w2, b):
                p.data -= lr * p.grad.data
                p.grad.zero_()
    return losses[:steps]


@pytest.mark.parametrize("gradients", ["manual", "autograd"])
def test_seed_002_quadratic_records_its_explosion(gradients):
    h = Session(dataset="y2x", model="polynomial", degree=2, lr=0.01, batch_size=1, init=0,
                epochs=100, gradients=gradients).run()
    assert h.diverged_step == 13 and h.end == 13  # the rule still names step 13
    seed = seed_002_quadratic(len(h) + 1)
    # every recorded step's loss is the seed's (each point's loss; the seed prints the
    # epoch's last one), the explosion included: "Progress: 4/100 Loss: 257792327680.0"
    np.testing.assert_allclose(h.loss, seed[: len(h)], rtol=1e-4)
    assert h.loss[19] == pytest.approx(257792327680.0, rel=1e-4)
    assert h.loss[4] == pytest.approx(1242.79296875, rel=1e-5)
    # it stops before the first non-finite loss, long before 1000 more steps
    assert 13 < len(h) < 13 + 1000 and np.isfinite(h.loss).all()
    assert not np.isfinite(seed[len(h)])  # the seed's next loss is an inf
    # final, final_loss and the fit are the run's at its divergence step, not the blow-up
    assert h.final["w1"] == h.params["w1"][13] and h.final_loss < 1e8
    np.testing.assert_allclose(h.fit([4.0]), h.fit([4.0], step=13))
    assert "Diverged at step 13 (epoch 3): the loss reached 4.9e+06" in h.message


def test_recorded_steps_end_at_the_first_non_finite_loss_or_after_more_steps():
    from gdwidgets.training.engine import recorded_steps

    inf = float("inf")
    loss = torch.tensor([[1.0, 1, 1, 1], [9, 1, 9, 9], [9, 1, 9, inf], [9, 1, 9, 9],
                         [9, 1, inf, 9], [9, 1, 9, 9]])
    diverged = torch.tensor([2, 0, 2, 3])  # the last one's first bad loss is an inf
    assert recorded_steps(loss, diverged, after=2).tolist() == [4, 6, 4, 3]
    assert recorded_steps(loss, diverged, after=0).tolist() == [2, 6, 2, 3]
    assert recorded_steps(loss, diverged, after=1000).tolist() == [6, 6, 4, 3]
