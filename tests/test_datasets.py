"""The embedded data sets reproduce the seeds' values."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from gdwidgets import datasets
from gdwidgets.i18n import set_language


def test_every_dataset_has_descriptions_in_both_languages_and_a_source():
    assert datasets.names() == [
        "thermometer", "linear15", "cubic", "y2x", "y2x10", "line200", "plane2d"
    ]
    for name in datasets.names():
        d = datasets.get(name)
        english = d.description
        set_language("zh")
        try:
            chinese = d.description
        finally:
            set_language("en")
        assert english and chinese and english != chinese
        assert d.source.startswith("seed 00")
        assert d.x.dtype == np.float32 and d.y.dtype == np.float32
        assert len(d.x) == len(d.y) == len(d)


def test_thermometer_is_seed_001():
    d = datasets.get("thermometer")
    assert len(d) == 11
    assert d.x[0] == np.float32(35.7) and d.y[-1] == 21.0
    # seed 001: with w=1, b=0 the loss is 1763.8848
    t_u, t_c = torch.from_numpy(d.x.copy()), torch.from_numpy(d.y.copy())
    assert float(((t_u - t_c) ** 2).mean()) == pytest.approx(1763.8848, abs=1e-4)


def test_small_datasets():
    assert datasets.get("linear15").x[6] == np.float32(9.779)
    assert list(datasets.get("y2x").x) == [1, 2, 3, 4, 5]
    assert list(datasets.get("y2x").y) == [2, 4, 6, 8, 10]
    d = datasets.get("y2x10")
    assert len(d) == 50 and d.x[0] == 1 and d.x[-1] == 99
    np.testing.assert_array_equal(d.y, 2 * d.x + 10)


def test_cubic_is_seed_004():
    d = datasets.get("cubic")
    x = np.arange(-3, 3.1, 0.1)
    assert len(d) == 61
    np.testing.assert_array_equal(d.x, x.astype(np.float32))
    np.testing.assert_array_equal(d.y, (0.9 + 0.5 * x + 3 * x**2 + 2.4 * x**3).astype(np.float32))


def test_line200_is_the_seed_000_recipe():
    torch.manual_seed(1024)
    x_origin = torch.linspace(100, 300, 200)
    x = (x_origin - torch.mean(x_origin)) / torch.std(x_origin)
    epsilon = torch.randn(x.shape)
    y = 10 * x + 5 + epsilon
    d = datasets.get("line200")
    # mean and std are reductions whose summation order depends on the CPU's vector
    # kernels (default, AVX2, AVX-512), and x_origin - mean cancels digits of numbers
    # near 200: x is known to a few float32 spacings of 300, divided by the std (58)
    atol = 4 * np.spacing(np.float32(300)) / float(torch.std(x_origin))
    np.testing.assert_allclose(d.x, x.numpy(), rtol=0, atol=atol)
    np.testing.assert_allclose(d.y, y.numpy(), rtol=0, atol=10 * atol + np.spacing(np.float32(30)))


def test_plane2d_is_the_seed_003_recipe_with_seed_1024():
    torch.manual_seed(1024)
    x = torch.randn(100, 2)
    noise = torch.randn(100)
    y = torch.matmul(x, torch.tensor([2, 1], dtype=torch.float32)) + 3 + noise
    d = datasets.get("plane2d")
    # randn's Box-Muller (log, sqrt, cos) is scalar code under the default kernels and
    # vector approximations under AVX2/AVX-512: they differ in the last digits (measured
    # 1.3e-6 on x, 2.4e-6 on y = 2 x1 + x2 + 3 + noise, which adds four such errors)
    np.testing.assert_allclose(d.x, x.numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(d.y, y.numpy(), rtol=0, atol=4e-5)


def test_seed_004_random_start():
    torch.manual_seed(2017)
    assert float(torch.randn(1)) == pytest.approx(2.2691, abs=1e-4)


def test_arrays_are_read_only_and_unknown_names_are_refused():
    with pytest.raises(ValueError):
        datasets.get("thermometer").x[0] = 1
    with pytest.raises(ValueError, match=r"dataset 'mnist' is not an embedded data set: "
                                         r"the names are 'thermometer'"):
        datasets.get("mnist")


def test_importing_gdwidgets_and_datasets_does_not_import_torch():
    code = (
        "import sys, gdwidgets\n"
        "from gdwidgets import datasets\n"
        "datasets.get('line200').description\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "gdwidgets.Session\n"
        "assert 'torch' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
