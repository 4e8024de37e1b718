"""mentorsheet.adapters.channels."""
