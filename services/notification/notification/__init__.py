"""Notification: decides which notices applicants and officers are owed and keeps their log; stores no contact
details (SPEC section 7), which it asks intake for when a notice is sent."""
