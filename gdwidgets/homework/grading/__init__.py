"""The grader that runs submissions (``python -m gdwidgets.homework grade``):

- submissions.py reads the class's folders (``lstat``, regular files only), notebooks.py
  rebuilds a notebook from the teacher's source (and writes student versions), grader.py
  runs one in a sandbox and scores its test cells here, class_run.py grades a class
  (``--jobs``), results.py writes the CSV and the feedback, inert.py makes student text
  harmless to print;
- sandbox.py is the student's side (``python -m gdwidgets.homework.grading.sandbox``),
  remote.py the protocol between the two, inside.py how the sandbox sets itself up;
- isolation.py, containment.py, uids.py, cgroups.py: how a submission is contained;
- corpus.py: a class of hostile submissions, for tests.

The sandbox imports only sandbox.py, remote.py, inside.py and ``checks/feedback.py``;
the other checkers and the package's by-hand formulas are hidden from it."""
