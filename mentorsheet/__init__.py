"""mentorsheet: run a volunteer mentoring programme on top of a shared spreadsheet."""

__version__ = "0.1.0"
