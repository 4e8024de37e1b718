"""mentorsheet.adapters."""
