"""The notebooks: lab texts → Jupyter notebooks, and the IPython magics they run.

- labtext: labs/NN-slug.md, rendered with the settings, split into prose and directives
- steps: the reference solution's steps, looked up by id
- builder / sync: the notebooks (deterministic, one set per lab host), `stacklab notebooks
  build|check`; launch: `stacklab notebooks open`
- magics (the IPython extension), session, transport: `%%vm`, `%check`, `%solve`
- knowledge, architecture: labs 1 and 2 (questions; the live picture of the host)
"""
