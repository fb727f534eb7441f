# Guess my number: the page is written with React (see index.html).
# Run it with:  python -m wszero examples/react
import random

from wszero import *


@on('connect')
def connect(client):
    client.secret = random.randint(1, 100)
    client.tries = 0


@on('guess')
def guess(client, number):
    # The page asks with wszero.request('guess', ...), so what we return
    # is the answer it gets back.
    client.tries = client.tries + 1
    if number < client.secret:
        return {'hint': 'higher', 'tries': client.tries}
    if number > client.secret:
        return {'hint': 'lower', 'tries': client.tries}
    tries = client.tries
    client.secret = random.randint(1, 100)  # and a new number for the next game
    client.tries = 0
    return {'hint': 'right', 'tries': tries}


run_server()
