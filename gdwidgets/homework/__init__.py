"""Homework checkers for the seeds' exercises, with hints in English and Chinese.

>>> from gdwidgets.homework import check_grad_fn
>>> check_grad_fn(grad_fn).assert_passed()   # in an nbgrader autograder cell

Every checker runs the student's function on the seeds' data against a reference
(torch.autograd or the seeds' loops) and returns a :class:`Feedback`: ``passed``, the
``messages`` (the specific mistake and what to do), a green ✓ / red ✗ display in Jupyter,
and ``assert_passed()``. Exceptions raised by student code become feedback, never a crash.
"""

from __future__ import annotations

from .chain_rule import check_chain_rule
from .feedback import Feedback
from .gradients import check_grad_fn, check_training_loop
from .quadratic import check_quadratic, check_quadratic_forward
from .zero_grad import check_zero_grad

__all__ = [
    "Feedback",
    "check_chain_rule",
    "check_grad_fn",
    "check_quadratic",
    "check_quadratic_forward",
    "check_training_loop",
    "check_zero_grad",
]
