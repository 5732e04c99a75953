"""Shared foundations of the CİMER services: written once, used by every service."""
