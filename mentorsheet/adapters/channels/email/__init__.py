"""mentorsheet.adapters.channels.email."""
