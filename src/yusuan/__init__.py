"""Yusuan (预算): integrated budget management system (预算管理一体化系统)."""

__version__ = "0.1.0.dev0"
