"""The checkers students call (``check_*``, named in ``gdwidgets.homework``): one module
per exercise (gradients, quadratic, zero_grad, chain_rule, layers), on common.py (tensors,
tolerances, numbers in hints) and feedback.py (the ✓ / ✗ result, and how a student's
function is called). They import nothing of ``grading/`` but ``grading.remote``, in
feedback.run, to call a function that runs in the grader's sandbox.

Hidden from graded code: in the sandbox only feedback.py is loaded (before student code
runs), every other module here cannot be imported and this folder is hidden."""
