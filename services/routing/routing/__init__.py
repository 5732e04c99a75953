"""Routing: owns the institution directory and decides which institution holds each application."""
