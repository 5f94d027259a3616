"""Tasks for CSV imports."""
