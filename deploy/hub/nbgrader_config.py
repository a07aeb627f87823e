"""nbgrader's exchange for everybody on this hub (installed as
``PREFIX/etc/jupyter/nbgrader_config.py`` by deploy/hub/install.sh): one course,
``gdwidgets``, whose exchange folder is ``$NBGRADER_EXCHANGE`` (default
``/srv/nbgrader/exchange``; the hub passes the variable to every student's server)."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "gdwidgets"
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
