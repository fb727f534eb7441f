"""The limit: a hand-written websockets 17 server with a minimal JSON op dispatch.

It speaks wszero's wire protocol (JSON text objects with an "op" key) on /ws
and implements the same echo and shout programs, with nothing else on top.
It keeps websockets' default compression (permessage-deflate) unless it is
run with --no-compression, wszero's own setting.
"""

import argparse
import asyncio
import json

from websockets.asyncio.server import broadcast, serve

clients = set()


async def echo(ws, n, text=''):
    await ws.send(json.dumps({'op': 'echo', 'n': n, 'text': text}))


async def shout(ws, n, t):
    broadcast(clients, json.dumps({'op': 'shout', 'n': n, 't': t}))


HANDLERS = {'echo': echo, 'shout': shout}


async def handler(ws):
    clients.add(ws)
    try:
        async for message in ws:
            params = json.loads(message)
            await HANDLERS[params.pop('op')](ws, **params)
    finally:
        clients.discard(ws)


async def main(port, compression):
    async with serve(handler, '127.0.0.1', port, compression=compression) as server:
        await server.serve_forever()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--no-compression', action='store_true', help='turn compression off, as wszero does')
    args = parser.parse_args()
    asyncio.run(main(args.port, None if args.no_compression else 'deflate'))
