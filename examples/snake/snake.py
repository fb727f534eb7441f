# Snake party: everyone steers a snake to the apples. Each apple is a point.
from wszero import *
import random

WIDTH = 20     # the board is 20 squares wide...
HEIGHT = 15    # ...and 15 squares high
SIZE = 24      # each square is 24 pixels
COLORS = ['red', 'blue', 'green', 'orange', 'purple', 'deeppink', 'teal', 'brown']
STEPS = {'up': [0, -1], 'down': [0, 1], 'left': [-1, 0], 'right': [1, 0]}

apples = []


@on('connect')
def connect(client):
    client.color = COLORS[client.number % len(COLORS)]
    client.points = 0
    client.snake = []  # no snake yet: free_square() looks at every snake
    start_again(client)
    client.send('news', text='You are ' + client.name + ', the ' + client.color + ' snake. Press an arrow to go!')


def start_again(client):
    # A new snake, one square long. It waits until you press an arrow.
    client.snake = [free_square()]
    client.way = None


def free_square():
    # A random square with no snake and no apple on it.
    while True:
        square = [random.randrange(WIDTH), random.randrange(HEIGHT)]
        if square not in apples and not on_a_snake(square):
            return square


def on_a_snake(square):
    for player in clients():
        if square in player.snake:
            return True
    return False


@on('turn')
def turn(client, way):
    head = client.snake[0]
    step = STEPS[way]
    # A snake can't turn back into its own body.
    if len(client.snake) > 1 and [head[0] + step[0], head[1] + step[1]] == client.snake[1]:
        return
    client.way = way


@every(1 / 8)
def tick():
    # 8 times a second, every snake that is going takes one step.
    while len(apples) < 3:
        apples.append(free_square())
    for player in clients():
        if player.way is None:
            continue
        head = player.snake[0]
        step = STEPS[player.way]
        new_head = [head[0] + step[0], head[1] + step[1]]
        x = new_head[0]
        y = new_head[1]
        if x < 0 or x >= WIDTH or y < 0 or y >= HEIGHT or on_a_snake(new_head):
            start_again(player)
            player.send('news', text='Ouch! Your snake starts again, but your apples still count. Press an arrow!')
            continue
        player.snake.insert(0, new_head)
        if new_head in apples:
            apples.remove(new_head)  # eaten! The snake keeps its new square, so it grows.
            player.points = player.points + 1
        else:
            player.snake.pop()  # the tail moves along
    show()


def most_apples(player):
    return player.points


def show():
    # Everything on the board, and the scores, go to everyone in one message.
    squares = []
    for player in clients():
        eyes = '👀'  # the head has eyes...
        for square in player.snake:
            squares.append({'x': square[0] * SIZE, 'y': square[1] * SIZE, 'color': player.color,
                            'name': player.name, 'eyes': eyes})
            eyes = ''  # ...and the rest of the snake hasn't
    food = []
    for apple in apples:
        food.append({'x': apple[0] * SIZE, 'y': apple[1] * SIZE})
    scores = []
    for player in sorted(clients(), key=most_apples, reverse=True):
        scores.append({'name': player.name, 'color': player.color, 'points': player.points})
    broadcast('board', squares=squares, apples=food, players=scores)


run_server()
