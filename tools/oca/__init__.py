"""Readers for the OCA documents that ``tools/oca_catalog.py`` turns into the catalog
and feature tables under ``harness/spec/``."""
