"""`python -m stacklab` runs the command line."""

from stacklab.cli import main

main()
