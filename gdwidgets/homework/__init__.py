"""Homework checkers for the seeds' exercises, with hints in English and Chinese.

>>> from gdwidgets.homework import check_grad_fn
>>> check_grad_fn(grad_fn).assert_passed()   # in an nbgrader autograder cell

Every checker runs the student's function on the seeds' data against a reference
(torch.autograd or the seeds' loops) and returns a :class:`Feedback`: ``passed``, the
``messages`` (the specific mistake and what to do), a green ✓ / red ✗ display in Jupyter,
and ``assert_passed()``. Exceptions raised by student code become feedback, never a crash.
"""

from __future__ import annotations

from .._lazy import lazy

# name -> module, imported on first use: the grader's sandbox imports this package without
# loading any checker (see grading/sandbox.py, switch_off_references)
_LAZY = {
    "Feedback": ".checks.feedback",
    "check_cal_grad": ".checks.layers",
    "check_chain_rule": ".checks.chain_rule",
    "check_grad_fn": ".checks.gradients",
    "check_training_loop": ".checks.gradients",
    "check_quadratic": ".checks.quadratic",
    "check_quadratic_forward": ".checks.quadratic",
    "check_three_layer_grads": ".checks.layers",
    "check_zero_grad": ".checks.zero_grad",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy(__name__, _LAZY)
