"""Importers: one module per source format, sharing the row validation in ``validation``.

Every import validates every row first and writes in one transaction: one bad row means nothing is
written, and every problem is reported as (row, column, reason).
"""
