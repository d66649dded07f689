"""Run the command-line tool with ``python -m osteo_print``."""

from osteo_print.cli import main

main()
