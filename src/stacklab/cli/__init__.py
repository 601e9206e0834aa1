"""The `stacklab` command line: one module per command, one place that handles errors."""

from stacklab.cli.app import cli, main

__all__ = ["cli", "main"]
