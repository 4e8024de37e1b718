"""``python -m mentorsheet``: the same command as ``mentorsheet``."""

from mentorsheet.cli.main import main

main(prog_name="mentorsheet")
