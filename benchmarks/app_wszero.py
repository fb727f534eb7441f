"""The echo and shout programs, written the way a child would write them in wszero."""

from wszero import *


@on('echo')
def echo(client, n, text=''):
    client.send('echo', n=n, text=text)


@on('shout')
def shout(client, n, t):
    broadcast('shout', n=n, t=t)


run_server(port=8000)
