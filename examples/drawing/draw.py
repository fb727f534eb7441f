# A drawing board everyone shares: the page is written with React (see index.html).
# Run it with:  python -m wszero examples/drawing
from wszero import *

COLORS = ['crimson', 'royalblue', 'seagreen', 'darkorange', 'purple', 'deeppink']
lines = []     # every line drawn so far, for pages that come later
players = []   # everyone here, in the order they came


def everyone():
    return [{'name': player.name, 'color': player.color} for player in players]


@on('connect')
def connect(client):
    client.color = COLORS[len(players) % len(COLORS)]
    players.append(client)
    broadcast('players', players=everyone())


@on('name')
def name(client, name):
    client.name = name[:20]
    broadcast('players', players=everyone())


@on('draw')
def draw(client, x1, y1, x2, y2):
    line = {'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2, 'color': client.color}
    lines.append(line)
    broadcast('line', **line)


@on('clear')
def clear(client):
    lines.clear()
    broadcast('clear')


# A page asks for these with wszero.request(...): the return value is the answer.
@on('board')
def board(client):
    return lines


@on('players')
def who(client):
    return everyone()


@on('disconnect')
def disconnect(client):
    players.remove(client)
    broadcast('players', players=everyone())


run_server()
