from wszero import *


@on('connect')
def connect(client):
    broadcast('notice', text=client.name + ' joined the chat')


@on('name')
def name(client, name):
    old_name = client.name
    client.name = name
    broadcast('notice', text=old_name + ' is now called ' + name)


@on('chat')
def chat(client, text):
    broadcast('chat', sender=client.name, text=text)


@on('disconnect')
def disconnect(client):
    broadcast('notice', text=client.name + ' left the chat')


run_server()
