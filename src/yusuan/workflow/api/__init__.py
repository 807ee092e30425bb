"""The approval endpoints of /api/v1, one module per what they hold: ``rounds`` (the inbox, a
round and every action on it, delegations, batch approval, notifications) and ``definitions``
(approval definitions, the route preview, the working-day calendar). ``yusuan.api.root``
registers ``ROUTERS``, in this order."""

from yusuan.workflow.api import definitions, rounds

ROUTERS = (rounds.router, definitions.router)
