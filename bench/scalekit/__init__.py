"""The scale kit: the product as two `web` and two `worker` processes on PostgreSQL and Redis behind a round-robin
balancer, the Bot API sandbox posting webhooks to it, a bounded driver of many users' dialogs, SIGKILLs mid-load,
and the checks of what must hold after (tests/e2e/test_scale_failover.py, bench/scale.py)."""
