"""Data centre master data: fiscal years, regions, organisations, code sets, accounts, payees."""
