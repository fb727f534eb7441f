from wszero import *

knot = 0  # where the knot is: -10 means Red has won, 10 means Blue has won


def rope():
    return 'RED ' + '~' * (10 + knot) + 'O' + '~' * (10 - knot) + ' BLUE'


@on('connect')
def connect(client):
    client.send('rope', picture=rope())


@on('pull')
def pull(client, team, step):
    global knot
    knot = knot + step
    if knot <= -10 or knot >= 10:
        broadcast('winner', team=team, name=client.name)
        knot = 0
    broadcast('rope', picture=rope())


run_server()
