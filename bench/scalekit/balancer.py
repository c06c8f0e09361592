"""`python -m bench.scalekit.balancer --port P --to 8001,8002`: a TCP round-robin balancer on loopback.

Each new connection goes to the next backend; one that refuses the connection (a killed instance) is skipped, so
the webhook's retries and the admin API calls reach the instance still alive, as behind a real proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def serve(port: int, backends: list[int]) -> None:
    turn = itertools.cycle(range(len(backends)))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = next(turn)
        for i in range(len(backends)):
            target = backends[(first + i) % len(backends)]
            try:
                up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
                break
            except OSError:
                continue
        else:
            writer.close()  # every backend is down: the client sees the connection closed and retries
            return
        await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    print(f"balancer on {port} -> {backends}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scalekit.balancer")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--to", required=True, help="backend ports on 127.0.0.1, comma-separated")
    args = parser.parse_args()
    asyncio.run(serve(args.port, [int(p) for p in args.to.split(",")]))


if __name__ == "__main__":
    main()
