"""The arena hand-written on raw websockets 17 asyncio: what arena.py compares wszero with.

The same game as arena_wszero.py, and the same messages: it reads wszero's
key messages ({"op": "wszero:keydown", "key": "left"}), and 30 times a second
moves everyone and broadcasts all positions with the time of the tick. Like
wszero it turns compression off, sends compact JSON, and runs the clock at a
fixed rate on the standard asyncio loop, skipping a tick that comes too late
rather than firing it later.
"""

import argparse
import asyncio
import json
import time

from websockets.asyncio.server import broadcast, serve

WIDTH = 600
HEIGHT = 400
STEP = 4
COLORS = ['red', 'blue', 'green', 'orange', 'purple', 'deeppink', 'teal', 'brown']
PERIOD = 1 / 30
MOVES = {'left': (-STEP, 0), 'right': (STEP, 0), 'up': (0, -STEP), 'down': (0, STEP)}

players = {}  # connection -> Player, in the order they joined
joined = 0


class Player:
    def __init__(self, number):
        self.number = number
        self.x = number * 37 % WIDTH
        self.y = number * 53 % HEIGHT
        self.color = COLORS[number % len(COLORS)]
        self.keys = set()


async def handler(ws):
    global joined
    joined += 1
    player = players[ws] = Player(joined)
    try:
        async for message in ws:
            msg = json.loads(message)
            if msg['op'] == 'wszero:keydown':
                player.keys.add(msg['key'])
            elif msg['op'] == 'wszero:keyup':
                player.keys.discard(msg['key'])
    finally:
        del players[ws]


def tick():
    dots = []
    for player in players.values():
        for key in player.keys:
            dx, dy = MOVES.get(key, (0, 0))
            player.x += dx
            player.y += dy
        player.x = max(0, min(player.x, WIDTH))
        player.y = max(0, min(player.y, HEIGHT))
        dots.append({'x': player.x, 'y': player.y, 'color': player.color, 'number': player.number})
    broadcast(players, json.dumps({'op': 'dots', 't': time.perf_counter(), 'dots': dots}, separators=(',', ':')))


def clock(loop, start, count):
    """Tick, then come back at the next multiple of PERIOD from the start."""
    tick()
    count = max(count + 1, int((loop.time() - start) // PERIOD) + 1)
    loop.call_at(start + count * PERIOD, clock, loop, start, count)


async def main(port):
    loop = asyncio.get_running_loop()
    async with serve(handler, '127.0.0.1', port, compression=None) as server:
        start = loop.time()
        loop.call_at(start + PERIOD, clock, loop, start, 1)
        await server.serve_forever()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8000)
    asyncio.run(main(parser.parse_args().port))
