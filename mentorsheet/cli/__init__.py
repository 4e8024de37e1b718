"""mentorsheet.cli."""
