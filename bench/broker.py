"""The benchmark's other floor: RabbitMQ's own publish-with-confirm rate on this machine, for messages the size of
an application on the bus. Persistent messages to a durable queue, publisher confirms on, through aio-pika (the
gateway's client): `--window` publishes awaiting their confirms at once (the broker's rate), and one at a time
(what a client that waits for each confirm, like the outbox relay, can reach).

    python bench/broker.py --amqp-uri amqp://guest:guest@127.0.0.1:5672/cimer_bench --size 900 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import aio_pika
import uvloop

QUEUE = "cimer-bench-confirms"


async def rate(channel: aio_pika.abc.AbstractChannel, body: bytes, window: int, duration: float) -> float:
    exchange = channel.default_exchange
    sent = 0
    until = time.perf_counter() + duration
    started = time.perf_counter()

    async def publisher() -> None:
        nonlocal sent
        while time.perf_counter() < until:
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await exchange.publish(message, routing_key=QUEUE)  # returns once the broker confirmed it
            sent += 1

    await asyncio.gather(*(publisher() for _ in range(window)))
    return sent / (time.perf_counter() - started)


async def run(uri: str, size: int, duration: float, window: int) -> dict[str, float]:
    connection = await aio_pika.connect(uri)
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(QUEUE, durable=True)
        body = b"x" * size
        results = {
            "message_bytes": size,
            "confirmed_per_s": round(await rate(channel, body, window, duration), 1),
            "window": window,
            "confirmed_one_at_a_time_per_s": round(await rate(channel, body, 1, duration / 2), 1),
        }
        await queue.delete(if_unused=False, if_empty=False)
        return results
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", required=True)
    parser.add_argument("--size", type=int, default=900)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--window", type=int, default=64)
    args = parser.parse_args(argv)
    print(json.dumps(uvloop.run(run(args.amqp_uri, args.size, args.duration, args.window))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
