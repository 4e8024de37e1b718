"""mentorsheet.app."""
