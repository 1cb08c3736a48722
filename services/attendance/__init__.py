"""Attendance evidence on telework days (R-ATT; Leave Regulation 2555 clause 11)."""
