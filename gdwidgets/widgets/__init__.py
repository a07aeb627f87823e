"""ipywidgets classes: controls -> a session or the Scalar engine -> the views. No math."""
