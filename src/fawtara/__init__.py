"""Fawtara: a self-hostable merchant invoicing server with Fatora- and Hesabe-style APIs."""

__version__ = "0.1.0"
