"""Mot Cua: the one-stop (một cửa) public administration platform."""

__version__ = "0.1.0"
