"""Running this project's Meltano jobs on an orchestrator (Dagster), beyond one machine.

- ``orchestrate.meltano_project``: reads the jobs and schedules of a Meltano project through
  the Meltano CLI (no orchestrator needed).
- ``orchestrate.dagster_defs``: turns them into Dagster jobs, ops and schedules (needs the
  ``orchestrator`` extra: ``pip install -e '.[orchestrator]'``).
- ``orchestrate.definitions``: the Dagster code location of this project
  (``dagster job list -m orchestrate.definitions``).

See docs/orchestrator.md.
"""
