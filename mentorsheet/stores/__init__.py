"""Workbook stores: Google Sheets and local .xlsx behind one interface."""
