"""Catalogue data shipped with the package (reference set copy and demo supplements)."""
