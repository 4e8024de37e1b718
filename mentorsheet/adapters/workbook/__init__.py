"""mentorsheet.adapters.workbook."""
