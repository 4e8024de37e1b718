"""mentorsheet.adapters.workbook.google."""
