"""The payments endpoints of /api/v1, one module per what they hold: ``requests`` (payment
requests, and the payments write ``once``), ``bank`` (the agent bank: bank files, results,
clearing) and ``refunds`` (paid-line search, refunds, corrections, bank returns). Salary batches
are ``yusuan.payroll.api``. ``yusuan.api.root`` registers ``ROUTERS``, in this order."""

from yusuan.payments.api import bank, refunds, requests

ROUTERS = (requests.router, bank.router, refunds.router)
