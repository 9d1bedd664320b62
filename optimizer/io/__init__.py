"""Readers: a workbook or a CSV folder → raw sheets → validated Instance."""

from optimizer.io.read import read_raw_sheets

__all__ = ["read_raw_sheets"]
