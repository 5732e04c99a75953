"""Intake: accepts, checks, numbers and stores applications; owns the applicants' personal data."""
