"""`python -m sandbox`: the Bot API sandbox and its web chat alone (any bot can connect with the printed token)."""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    import uvicorn

    from sandbox.server import SandboxConfig, create_app, new_token, stored_token

    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--data", type=Path, default=Path("data"), help="folder of sandbox.sqlite3 and the files")
    parser.add_argument("--token", help="the bot's token (default: the stored one, else a new one)")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    parser.add_argument("--webhook-over-http", action="store_true",
                        help="post to an https:// webhook URL over plain HTTP, on any port (a TLS proxy on loopback)")
    args = parser.parse_args()
    token = args.token or stored_token(args.data) or new_token()
    config = SandboxConfig(token=token, data_dir=args.data, rate_limits=not args.no_rate_limits,
                           webhook_over_http=args.webhook_over_http)
    print(f"web chat: http://{args.host}:{args.port}  bot token: {token}  "
          f"TELEGRAM_API_URL=http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
