# Arena: everyone moves a dot with the arrow keys, on one shared board.
from wszero import *
import random

WIDTH = 600    # how wide the board is, in pixels (the tiny squares a screen is made of)
HEIGHT = 400   # how high it is
STEP = 4       # how many pixels a dot moves each tick
COLORS = ['red', 'blue', 'green', 'orange', 'purple', 'deeppink', 'teal', 'brown']


@on('connect')
def connect(client):
    # Every new player starts somewhere on the board, with a colour of their own.
    client.x = random.randint(0, WIDTH)
    client.y = random.randint(0, HEIGHT)
    client.color = COLORS[client.number % len(COLORS)]
    client.send('you', color=client.color, number=client.number)


@every(1 / 25)
def tick():
    # 25 times a second: move everyone who holds an arrow key, then show everyone.
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
        # Stay on the board.
        player.x = max(0, min(player.x, WIDTH))
        player.y = max(0, min(player.y, HEIGHT))
        dots.append({'x': player.x, 'y': player.y, 'color': player.color, 'number': player.number})
    broadcast('dots', dots=dots)


run_server()
