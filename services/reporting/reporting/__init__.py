"""Reporting: keeps a read model of every application from the events on the bus and reports on it by month."""
