# Vote for the best animal: the page is written with Vue (see index.html).
# Run it with:  python -m wszero examples/vue
from wszero import *

votes = {'cat': 0, 'dog': 0, 'dragon': 0}


@on('connect')
def connect(client):
    client.send('votes', votes=votes)


@on('vote')
def vote(client, animal):
    if animal in votes:
        votes[animal] = votes[animal] + 1
        broadcast('votes', votes=votes)


run_server()
