from wszero import *


@on('hello')
def hello(client, name):
    client.send('greeting', text='Hello, ' + name + '!')


run_server()
