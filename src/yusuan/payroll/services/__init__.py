"""Payroll services: salary batches (import, matching, the request) and the sheet reader."""
