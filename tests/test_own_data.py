"""A lecturer's own lesson, as a user writes it from docs/sessions.md and ``help()``: 30 houses,
area (m², 40..200) against price (k€), as arrays, as a DataFrame and as a ``Dataset`` with
units, in ``Session`` and in all four widgets."""

from __future__ import annotations

import numpy as np
import pytest

from gdwidgets import (
    BackpropWidget,
    ChainRuleWidget,
    Dataset,
    LearningRateWidget,
    RegressionWidget,
    Session,
    lr_sweep,
)
from gdwidgets.i18n import set_language

RNG = np.random.default_rng(7)
AREA = np.round(RNG.uniform(40, 200, 30), 1)
PRICE = np.round(2.8 * AREA + 40 + RNG.normal(0, 25, 30), 1)
HOUSES = Dataset("houses", AREA, PRICE, x_name=("area", "面积"), x_unit="m²",
                 y_name=("price", "价格"), y_unit="k€",
                 description=("30 houses: area against price", "30 套房子：面积与价格"))
SLOPE, INTERCEPT = np.polyfit(AREA, PRICE, 1)


def test_dataset_carries_names_units_and_both_languages():
    assert len(HOUSES) == 30 and HOUSES.n_inputs == 1 and HOUSES.x.dtype == np.float32
    assert HOUSES.x_label == "area (m²)" and HOUSES.y_label == "price (k€)"
    set_language("zh")
    assert HOUSES.x_label == "面积（m²）" and HOUSES.description == "30 套房子：面积与价格"
    set_language("en")
    with pytest.raises(ValueError):
        HOUSES.x[0] = 1.0  # read-only, as the embedded sets


def test_parameters_in_the_datas_units_equal_polyfit_whatever_normalize_was():
    for normalize, lr, epochs in ((True, 0.1, 400), (0.01, 0.3, 3000)):
        h = Session(dataset=HOUSES, normalize=normalize, lr=lr, epochs=epochs).run()
        raw = h.in_data_units()
        assert float(raw["w"]) == pytest.approx(SLOPE, rel=1e-3)
        assert float(raw["b"]) == pytest.approx(INTERCEPT, rel=1e-2)
        assert not np.isclose(float(h.final["w"]), SLOPE, rtol=0.05)  # trained units differ
    # the unbiased std (ddof=1, as torch.std and seed 000) is what the model saw
    h = Session(dataset=HOUSES, normalize=True, lr=0.1, epochs=400).run()
    a, c = h.input_scale()
    assert a[0] == pytest.approx(1 / AREA.std(ddof=1)) and c[0] == pytest.approx(
        -AREA.mean() / AREA.std(ddof=1))
    # a cubic's coefficients too
    x = np.linspace(-2, 3, 40)
    y = 0.5 * x**3 - x**2 + 2 * x + 1
    cubic = Session(dataset=(x, y), model="polynomial", degree=3, normalize=True, lr=0.1,
                    epochs=4000).run().in_data_units()
    got = [cubic["w3"], cubic["w2"], cubic["w1"], cubic["b"]]
    np.testing.assert_allclose(np.array(got, dtype=float), np.polyfit(x, y, 3), atol=2e-3)


def test_arrays_dataframe_and_dataset_train_alike():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"area": AREA, "price": PRICE, "rooms": np.arange(30)})
    from_frame = Dataset.from_frame(frame, x="area", y="price")
    assert from_frame.x_label == "area" and from_frame.name == "price ~ area"
    runs = [Session(dataset=d, normalize=True, lr=0.1, epochs=50).run()
            for d in ((AREA, PRICE), (frame["area"], frame["price"]), from_frame, HOUSES)]
    for h in runs[1:]:
        np.testing.assert_array_equal(h.loss, runs[0].loss)
    two = Dataset.from_frame(frame, x=["area", "rooms"], y="price", name="two inputs")
    assert two.n_inputs == 2
    with pytest.raises(ValueError, match="a DataFrame needs its columns named: "
                                         r"Dataset.from_frame\(df, x=..., y=...\) "
                                         "\\(its columns: 'area', 'price', 'rooms'\\)"):
        Session(dataset=frame)
    with pytest.raises(ValueError, match="the DataFrame has no column 'size'"):
        Dataset.from_frame(frame, x="size", y="price")
    sweep = lr_sweep(dataset=from_frame, lrs=[0.01, 0.1], normalize=True, epochs=20)
    assert not sweep.diverged.any()


def test_every_widget_takes_the_data_and_labels_its_axes_with_the_units():
    w = RegressionWidget(dataset=HOUSES, normalize=True, lr=0.1, epochs=300, graph=False)
    assert w.dataset.value == "houses" and "houses" in w.dataset.options
    assert "linear15" in w.dataset.options  # the embedded sets stay offered
    fit = w.plot.axes[0]
    assert (fit.get_xlabel(), fit.get_ylabel()) == ("area (m²)", "price (k€)")
    assert w.plot.axes[2].get_xlabel() == "w (for standardised x)"  # the loss surface
    assert "value (for standardised x)" in w.table.value and "for area as given" in w.table.value
    assert f"{SLOPE:.4g}"[:4] in w.table.value  # the slope in k€ per m²
    w.dataset.value = "linear15"  # and back: the user's data stays in the dropdown
    assert w.plot.axes[0].get_xlabel() == "x"
    w.dataset.value = "houses"
    assert w.history.config.data is HOUSES

    lr = LearningRateWidget(dataset=(AREA, PRICE), normalize=True)
    assert lr.dataset.value == "your data" and lr.history.config.n == 30

    chain = ChainRuleWidget(dataset=HOUSES)
    assert chain.plot.ax_fit.get_xlabel() == "area (m²)" and "plane2d" not in chain.dataset.options
    chain.dataset = (AREA[:10], PRICE[:10])  # live: a new choice in the dropdown
    assert chain.dataset.value == "your data" and chain.history.config.n == 10

    back = BackpropWidget(dataset=(AREA[:5] / 100, PRICE[:5] / 100))
    assert back.points.value == 5 and back._source()[1][0] == pytest.approx(AREA[0] / 100)


def test_a_refused_data_set_in_a_live_widget_keeps_everything_and_says_why():
    w = RegressionWidget(dataset=HOUSES, graph=False, epochs=20)
    history = w.history
    w.dataset = (AREA, np.where(np.arange(30) == 3, np.nan, PRICE))
    assert "y has NaN at row 3" in w.banner.value
    assert w.dataset.value == "houses" and w.history is history
