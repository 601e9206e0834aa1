"""The graders run as plain pytest too: `pytest grader/ --hosts=ssh://vagrant@HOST:PORT`.

Add `--stacklab-provider container` for the container lab host, `--learner` to leave out
hidden checks. The plugin supplies the `settings` and `cloud` fixtures and the time limits.
"""

pytest_plugins = ["stacklab.grading.plugin"]
