"""The arena of examples/arena at 30 ticks a second, written as a child would, for arena.py.

Each tick's message also carries the time the tick ran (t), so the benchmark can
tell the server's own tick intervals from what the clients receive.
"""

import time

from wszero import *

WIDTH = 600
HEIGHT = 400
STEP = 4
COLORS = ['red', 'blue', 'green', 'orange', 'purple', 'deeppink', 'teal', 'brown']


@on('connect')
def connect(client):
    client.x = client.number * 37 % WIDTH
    client.y = client.number * 53 % HEIGHT
    client.color = COLORS[client.number % len(COLORS)]


@every(1 / 30)
def tick():
    dots = []
    for player in clients():
        if 'left' in player.keys:
            player.x = player.x - STEP
        if 'right' in player.keys:
            player.x = player.x + STEP
        if 'up' in player.keys:
            player.y = player.y - STEP
        if 'down' in player.keys:
            player.y = player.y + STEP
        player.x = max(0, min(player.x, WIDTH))
        player.y = max(0, min(player.y, HEIGHT))
        dots.append({'x': player.x, 'y': player.y, 'color': player.color, 'number': player.number})
    broadcast('dots', t=time.perf_counter(), dots=dots)


run_server(port=8000)
