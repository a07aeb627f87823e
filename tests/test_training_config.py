"""Every setting is validated before any work, with a message naming it (both languages)."""

import math
import re

import numpy as np
import pytest
import torch

from gdwidgets import Session, lr_sweep
from gdwidgets.i18n import set_language

CASES = [
    (dict(lr=-1), "lr must be a finite number > 0, got -1"),
    (dict(lr=0), "lr must be a finite number > 0, got 0"),
    (dict(lr=math.nan), "lr must be a finite number > 0, got nan"),
    (dict(lr=math.inf), "lr must be a finite number > 0, got inf"),
    (dict(lr="0.1"), "lr must be a finite number > 0, got '0.1'"),
    (dict(lr=True), "lr must be a finite number > 0, got True"),
    (dict(epochs=0), "epochs must be an integer between 1 and 100000, got 0"),
    (dict(epochs=2.5), "epochs must be an integer between 1 and 100000, got 2.5"),
    (
        dict(dataset="thermometer", batch_size=20),
        "batch_size must be None (full batch) or between 1 and 11 "
        "(the number of points in 'thermometer'), got 20",
    ),
    (
        dict(dataset="thermometer", batch_size=0),
        "batch_size must be None (full batch) or between 1 and 11 "
        "(the number of points in 'thermometer'), got 0",
    ),
    (
        dict(dataset="y2x", model="polynomial", degree=5),
        "degree must be an integer between 1 and 4 (at most 10, and at most the number of "
        "points - 1 in 'y2x'), got 5",
    ),
    (
        dict(dataset="cubic", model="polynomial", degree=11),
        "degree must be an integer between 1 and 10",
    ),
    (dict(degree=0), "degree must be an integer between 1 and 10, got 0"),
    (dict(hidden=0, model="mlp"), "hidden must be an integer between 1 and 64, got 0"),
    (dict(dataset="mnist"), "dataset 'mnist' is not an embedded data set: the names are "
     "'thermometer', 'linear15', 'cubic', 'y2x', 'y2x10', 'line200', 'plane2d'"),
    (dict(dataset=42), "dataset must be the name of an embedded data set"),
    (dict(dataset=(np.ones(3), np.ones(4))), "x has 3 points but y has 4"),
    (dict(dataset=([1.0, math.nan], [1.0, 2.0])), "x has NaN at row 1"),
    (
        dict(model="cnn"),
        "model must be one of 'linear', 'polynomial', 'two_layer', 'mlp', got 'cnn'",
    ),
    (dict(optimizer="rmsprop"), "optimizer must be one of 'sgd', 'momentum', 'adam', "
     "got 'rmsprop'"),
    (dict(gradients="numeric"), "gradients must be one of 'autograd', 'manual', got 'numeric'"),
    (dict(hidden=(2, 0), model="mlp"), "hidden[1] (the units of hidden layer 2) must be an "
     "integer between 1 and 64, got 0 in (2, 0)"),
    (dict(activation="relu", model="mlp"), "activation must be 'prelu' (nn.PReLU after "
     "every hidden layer) or None (no activation: a stack of Linear layers), got 'relu'"),
    (
        dict(dataset="plane2d", model="polynomial"),
        "model 'polynomial' takes one input, but 'plane2d' has 2 input columns",
    ),
    (dict(normalize="yes"), "normalize must be False, True (standardise inputs) or a finite "
     "number other than 0 and 1 to multiply inputs by (1 would leave them raw: use False), "
     "got 'yes'"),
    (dict(normalize=1.0), "1 would leave them raw: use False"),
    (dict(normalize=0), "normalize must be False, True"),
    (dict(shuffle=1), "shuffle must be False, True or 'loader' (torch DataLoader's order, "
                      "seed 002), got 1"),
    (dict(zero_grad="no"), "zero_grad must be True or False, got 'no'"),
    (
        dict(accumulate=2),
        "accumulate must be an integer between 1 and 1 (the number of batches per epoch), "
        "got 2",
    ),
    (dict(accumulate=0, batch_size=10), "accumulate must be an integer between 1 and 20"),
    (
        dict(init={"q": 1.0}),
        "init has no parameter 'q': model 'linear' has w/a, b",
    ),
    (dict(init={"w": [1.0, 2.0]}), "init['w'] must be finite and of shape (), got [1.0, 2.0]"),
    (dict(init={"b": math.nan}), "init['b'] must be finite and of shape (), got nan"),
    (dict(init=math.inf), "init must be None (random from seed), a finite number for every "
     "parameter, or a dict with keys among w/a, b, got inf"),
    (dict(init="zeros"), "init must be None"),
    (
        dict(dataset="line200", batch_size=1, epochs=10_000),
        "epochs must be at most 5000 here (200 updates per epoch, at most 1000000 updates "
        "in all), got 10000",
    ),
    (dict(seed=-1), "seed must be an integer >= 0, got -1"),
    (dict(seed=1.5), "seed must be an integer >= 0, got 1.5"),
]


@pytest.mark.parametrize(("settings", "message"), CASES, ids=[str(c[0])[:40] for c in CASES])
def test_bad_settings_raise_a_message_naming_them(settings, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Session(**settings)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(lr=-1), "lr 必须是大于 0 的有限数，得到的是 -1"),
        (dict(dataset="thermometer", batch_size=20), "batch_size 必须是 None（全批量）或 1 到 11"),
        (dict(model="cnn"), "model 必须是 'linear', 'polynomial', 'two_layer', 'mlp' 之一"),
        (dict(dataset="mnist"), "dataset 'mnist' 不是内置数据集"),
        (dict(model="mlp", hidden="2"), "hidden 必须是 1 到 64 之间的整数（一个隐藏层）"),
    ],
)
def test_messages_in_chinese(settings, message):
    set_language("zh")
    with pytest.raises(ValueError, match=re.escape(message)):
        Session(**settings)


@pytest.mark.parametrize("lrs", [[], [0.1, -1], [0.1, math.nan], "0.1", [True]])
def test_lr_sweep_checks_its_lrs(lrs):
    with pytest.raises(ValueError, match="lrs must be a non-empty sequence"):
        lr_sweep(dataset="line200", model="linear", lrs=lrs, epochs=3)


def test_lr_sweep_validates_the_other_settings_too():
    with pytest.raises(ValueError, match="epochs must be an integer"):
        lr_sweep(dataset="line200", model="linear", lrs=[0.1], epochs=0)
    with pytest.raises(TypeError, match="no setting .learning_rate.; its settings are dataset"):
        lr_sweep(dataset="line200", lrs=[0.1], epochs=3, learning_rate=1)


def test_good_settings_are_accepted_and_normalised():
    s = Session(dataset="thermometer", normalize=np.float64(0.1), init={"w": 1, "b": 0},
                batch_size=np.int64(5), seed=np.int64(3))
    cfg = s.config
    assert cfg.normalize == 0.1 and cfg.batch == 5 and cfg.batches_per_epoch == 3
    assert cfg.gradients == "manual"  # None picks the formulas when the model has them
    assert Session(model="mlp").config.gradients == "autograd"
    assert s.replace(lr=0.5).config.lr == 0.5
    assert s.initial_params["w"] == 1.0


def test_user_arrays_and_tensors_are_accepted():
    import torch

    x = np.linspace(0, 1, 20)
    for data in [(x, 3 * x + 1), (torch.tensor(x), torch.tensor(3 * x + 1)),
                 (x[:, None], (3 * x + 1)[:, None])]:
        h = Session(dataset=data, lr=0.5, epochs=300).run()
        assert not h.diverged
        assert h.final["w"] == pytest.approx(3, abs=0.05)
        assert h.final["b"] == pytest.approx(1, abs=0.05)


def test_optimizer_and_model_dispatch_refuse_unknown_names():
    # below the settings' check, nothing falls through to the last branch (Adam, the MLP)
    from gdwidgets.training.models import build_model
    from gdwidgets.training.optimizers import make_update

    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', 'momentum', "
                                         "'adam', got 'rmsprop'"):
        make_update("rmsprop", torch.ones(1, 1))
    with pytest.raises(ValueError, match="model must be one of .*got 'cnn'"):
        build_model("cnn", 1, 2, 1)
