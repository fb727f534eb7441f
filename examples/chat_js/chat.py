from wszero import *


@on('connect')
def connect(client):
    broadcast('notice', text=client.name + ' joined the chat')


@on('chat')
def chat(client, name, text):
    client.name = name
    broadcast('chat', name=name, text=text)


@on('disconnect')
def disconnect(client):
    broadcast('notice', text=client.name + ' left the chat')


run_server()
