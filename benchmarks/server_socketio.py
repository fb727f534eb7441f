"""python-socketio, in its fastest standard asyncio setup: AsyncServer on aiohttp.

The same echo and shout programs, as Socket.IO events carrying one dict.
"""

import argparse

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode='aiohttp')


@sio.on('echo')
async def echo(sid, data):
    await sio.emit('echo', {'n': data['n'], 'text': data.get('text', '')}, to=sid)


@sio.on('shout')
async def shout(sid, data):
    await sio.emit('shout', {'n': data['n'], 't': data['t']})


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, default=8000)
    app = web.Application()
    sio.attach(app)
    web.run_app(app, host='127.0.0.1', port=parser.parse_args().port, print=None)
