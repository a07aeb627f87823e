"""The parts of benchmarks/classroom.py: a JupyterHub class on this machine, measured."""
