"""nbgrader for the students of a JupyterHub on Kubernetes (copied to /etc/jupyter by
deploy/k8s/Dockerfile). The teacher's course directory has its own nbgrader_config.py
(homework/nbgrader_config.py) with the same course id."""

c = get_config()  # noqa: F821 - provided by nbgrader

# the course id of homework/nbgrader_config.py: Assignment List shows this course
c.CourseDirectory.course_id = "gdwidgets"
# nbgrader's exchange on the shared ReadWriteMany volume that values.yaml mounts here
# (singleuser.storage.extraVolumes / extraVolumeMounts, claim "nbgrader-exchange")
c.Exchange.root = "/srv/nbgrader/exchange"
