"""nbgrader course directory for the gdwidgets homework (see docs/teachers_guide.md)."""

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "gdwidgets"
# each assignment: source/<name>/<name>.ipynb
c.CourseDirectory.db_assignments = [
    dict(name="gradients"),
    dict(name="quadratic"),
    dict(name="chain_rule"),
    dict(name="layers"),
]
# the checkers print their hints into the failing test cell's traceback
c.Execute.timeout = 120
