# English as a Swedish or Finnish municipality writes it: ISO dates and 24-hour times, not
# Django's American defaults (11/25/2026, 10:50 p.m.). Number formats stay Django's English ones.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
