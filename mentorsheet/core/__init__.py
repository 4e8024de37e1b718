"""mentorsheet.core."""
