"""Load generator: drives one server on 127.0.0.1 from its own process, prints one JSON line.

Every server is driven by the same websockets asyncio client code. Two dialects:
- plain: wszero's protocol, JSON objects with an "op" key on /ws (raw and wszero).
  Messages whose op starts with "wszero:" are the library's own and are skipped.
- socketio: Engine.IO 4 / Socket.IO 5 spoken by hand over a websocket-only
  connection, so socketio is not slowed (or sped up) by a different client stack.

Scenarios (each bounded in time and in count):
- echo: every client sends {"op": "echo"} and awaits the reply, in a loop.
- fanout: one client sends {"op": "shout"}; the next shout goes out as soon as
  every client has the previous one (closed loop).
- idle: open many connections, then read the server's RSS and connect rate.
- arena: every client changes a held arrow key 10 times a second (a keydown,
  then its keyup, and so on) while the server's clock broadcasts everyone's
  position 30 times a second; the intervals between those broadcasts are
  measured as the clients receive them, and from the times the server put in
  them (see arena.py).
"""

import argparse
import asyncio
import json
import os
import random
import resource
import time

from websockets.asyncio.client import connect

now = time.perf_counter
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


class Plain:
    """wszero's wire protocol: one JSON object per message, with an "op" key."""

    path = '/ws'

    @staticmethod
    async def join(ws):
        pass

    @staticmethod
    def encode(op, params):
        return json.dumps({'op': op, **params})

    @staticmethod
    async def receive(ws):
        while True:
            message = json.loads(await ws.recv())
            if message['op'] == 'wszero:error':  # the server refused what we sent
                raise RuntimeError(message['error'])
            if not message['op'].startswith('wszero:'):
                return message['op'], message


class SocketIO:
    """Socket.IO 5 over Engine.IO 4, websocket transport only, default namespace."""

    path = '/socket.io/?EIO=4&transport=websocket'

    @staticmethod
    async def join(ws):
        await ws.recv()  # Engine.IO "0{...}" open packet
        await ws.send('40')  # connect to namespace "/"
        while not (await ws.recv()).startswith('40'):
            pass

    @staticmethod
    def encode(op, params):
        return '42' + json.dumps([op, params])

    @staticmethod
    async def receive(ws):
        while True:
            packet = await ws.recv()
            if packet.startswith('42'):
                return json.loads(packet[2:])
            if packet == '2':  # Engine.IO ping: answer or be dropped
                await ws.send('3')


DIALECTS = {'plain': Plain, 'socketio': SocketIO}


# ---------------------------------------------------------------- the server, seen from /proc

def process_tree(pid):
    """The pid and all its descendants (a runner may start the real server as a child)."""
    pids = [pid]
    for p in pids:
        for task in os.listdir(f'/proc/{p}/task'):
            try:
                with open(f'/proc/{p}/task/{task}/children') as f:
                    pids.extend(int(child) for child in f.read().split())
            except FileNotFoundError:  # a thread that just ended
                pass
    return pids


def server_rss_kib(pid):
    total = 0
    for p in process_tree(pid):
        with open(f'/proc/{p}/status') as f:
            total += next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
    return total


def server_cpu_seconds(pid):
    """CPU time of the server's process tree so far, to the nanosecond where Linux says it.

    /proc/TID/schedstat counts each thread's time on a CPU in nanoseconds;
    /proc/PID/stat counts in clock ticks (10 ms), too coarse for a 3 s run at a
    few percent of a core.  A thread that ends takes its schedstat with it, so
    this is for a window in which the server's threads stay the same (they do
    under steady load: wszero's threads are started once).  Without schedstat
    (a kernel built without it), the clock ticks are used.
    """
    total = 0
    for p in process_tree(pid):
        try:
            for task in os.listdir(f'/proc/{p}/task'):
                try:
                    with open(f'/proc/{p}/task/{task}/schedstat') as f:
                        total += int(f.read().split()[0]) / 1e9
                except FileNotFoundError:  # a thread that just ended
                    pass
        except (FileNotFoundError, ValueError, IndexError):
            return server_cpu_ticks(pid)
    return total


def server_cpu_ticks(pid):
    total = 0
    for p in process_tree(pid):
        with open(f'/proc/{p}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


# ---------------------------------------------------------------- connections

async def open_clients(dialect, port, count, concurrency=50):
    """Open count connections, at most concurrency handshakes at a time."""
    url = f'ws://127.0.0.1:{port}{dialect.path}'
    gate = asyncio.Semaphore(concurrency)

    async def one():
        async with gate:
            ws = await connect(url, ping_interval=None, open_timeout=30, max_size=None)
            await dialect.join(ws)
            return ws

    return await asyncio.gather(*(one() for _ in range(count)))


async def close_clients(clients):
    await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in clients)), 30)


async def warm_up(dialect, port):
    """Make the server load whatever it loads lazily before anything is measured."""
    clients = await open_clients(dialect, port, 20)
    for ws in clients:
        await ws.send(dialect.encode('echo', {'n': 0, 'text': 'warm'}))
        await dialect.receive(ws)
    await close_clients(clients)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Window:
    """The measured stretch of a run: server and load-generator CPU between start and stop."""

    def __init__(self, pid):
        self.pid = pid

    def start(self):
        self.started = now()
        self.server_cpu = server_cpu_seconds(self.pid)
        self.own_cpu = time.process_time()

    def stop(self):
        self.elapsed = now() - self.started
        self.server_cpu = server_cpu_seconds(self.pid) - self.server_cpu
        self.own_cpu = time.process_time() - self.own_cpu

    def report(self, work):
        return {
            'server_cpu_us_per': 1e6 * self.server_cpu / work,
            'loadgen_busy': self.own_cpu / self.elapsed,
        }


# ---------------------------------------------------------------- scenarios

async def echo(dialect, port, pid, clients, warmup, duration, max_messages):
    sockets = await open_clients(dialect, port, clients)
    window = Window(pid)
    start = now() + warmup
    end = start + duration
    rtts = []

    async def client(ws):
        n = 0
        while (sent := now()) < end and len(rtts) < max_messages:
            n += 1
            await ws.send(dialect.encode('echo', {'n': n, 'text': 'hello'}))
            op, params = await dialect.receive(ws)
            if op != 'echo' or params['n'] != n:
                raise RuntimeError(f'wrong echo reply: {op} {params}')
            if sent >= start and (received := now()) <= end:
                rtts.append(received - sent)

    async def measure():
        await asyncio.sleep(warmup)
        window.start()
        await asyncio.sleep(duration)
        window.stop()

    await asyncio.gather(measure(), *(client(ws) for ws in sockets))
    await close_clients(sockets)
    return {
        'msgs_per_s': len(rtts) / window.elapsed,
        'p50_ms': 1e3 * percentile(rtts, 50),
        'p99_ms': 1e3 * percentile(rtts, 99),
        **window.report(len(rtts)),
    }


class Shout:
    """One broadcast in flight: when the first and the last client got it."""

    def __init__(self, clients, sent):
        self.missing = clients
        self.sent = sent
        self.first = None
        self.everyone = asyncio.get_running_loop().create_future()

    def arrived(self):
        if self.first is None:
            self.first = now() - self.sent
        self.missing -= 1
        if self.missing == 0:
            self.everyone.set_result(now() - self.sent)


async def fanout(dialect, port, pid, clients, warmup, duration, max_messages):
    sockets = await open_clients(dialect, port, clients)
    in_flight = {}  # broadcast number -> Shout

    async def listen(ws):
        while True:
            op, params = await dialect.receive(ws)
            if op != 'shout':
                raise RuntimeError(f'wrong broadcast: {op} {params}')
            in_flight[params['n']].arrived()

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    trigger = sockets[0]
    sent = 0

    async def shout_until(deadline):
        nonlocal sent
        done = []
        while now() < deadline and sent < max_messages:
            sent += 1
            shout = in_flight[sent] = Shout(clients, now())
            await trigger.send(dialect.encode('shout', {'n': sent, 't': shout.sent}))
            await asyncio.wait_for(shout.everyone, 30)
            done.append(in_flight.pop(sent))
        return done

    await shout_until(now() + warmup)
    window = Window(pid)
    window.start()
    shouts = await shout_until(now() + duration)
    window.stop()
    for task in listeners:
        task.cancel()
    await close_clients(sockets)
    everyone = [shout.everyone.result() for shout in shouts]
    return {
        'deliveries_per_s': clients * len(shouts) / window.elapsed,
        'first_p50_ms': 1e3 * percentile([shout.first for shout in shouts], 50),
        'p50_ms': 1e3 * percentile(everyone, 50),
        'p99_ms': 1e3 * percentile(everyone, 99),
        **window.report(clients * len(shouts)),
    }


async def idle(dialect, port, pid, clients, **_):
    before = server_rss_kib(pid)
    started = now()
    sockets = await open_clients(dialect, port, clients)
    connect_time = now() - started
    # The server may still be setting up the last connections: wait for RSS to settle.
    after = server_rss_kib(pid)
    for _ in range(20):
        await asyncio.sleep(0.25)
        previous, after = after, server_rss_kib(pid)
        if abs(after - previous) <= 0.002 * after:
            break
    await close_clients(sockets)
    return {
        'rss_kib_per_conn': (after - before) / clients,
        'connects_per_s': clients / connect_time,
    }


ARROWS = ('left', 'right', 'up', 'down')


async def arena(dialect, port, pid, clients, warmup, duration, key_changes=10, **_):
    sockets = await open_clients(dialect, port, clients)
    start = now() + warmup
    end = start + duration
    ticks = [[] for _ in sockets]  # per client: (received, the server's t, how many dots)
    changes = 0  # key changes sent while measuring

    async def listen(ws, mine):
        while True:
            op, params = await dialect.receive(ws)
            if op != 'dots':
                raise RuntimeError(f'wrong tick message: {op} {params}')
            received = now()
            if start <= received <= end:
                mine.append((received, params['t'], len(params['dots'])))

    async def press(ws):
        nonlocal changes
        held = None
        when = now() + random.random() / key_changes  # the clients' changes spread over each 100 ms
        while when < end:
            await asyncio.sleep(max(0.0, when - now()))
            if held is None:
                held = random.choice(ARROWS)
                await ws.send(dialect.encode('wszero:keydown', {'key': held}))
            else:
                await ws.send(dialect.encode('wszero:keyup', {'key': held}))
                held = None
            if start <= now() <= end:
                changes += 1
            when += 1 / key_changes

    async def measure():
        await asyncio.sleep(max(0.0, start - now()))
        window.start()
        await asyncio.sleep(max(0.0, end - now()))
        window.stop()

    window = Window(pid)
    listeners = [asyncio.create_task(listen(ws, mine)) for ws, mine in zip(sockets, ticks)]
    await asyncio.gather(measure(), *(press(ws) for ws in sockets))
    for task in listeners:
        if task.done():
            task.result()  # a listener that failed: say why
        task.cancel()
    await close_clients(sockets)
    received = [later[0] - earlier[0] for mine in ticks for earlier, later in zip(mine, mine[1:])]
    sent = sorted({t for mine in ticks for _, t, _ in mine})
    ran = [later - earlier for earlier, later in zip(sent, sent[1:])]
    if not received or not ran:
        raise RuntimeError('no ticks arrived while measuring')
    return {
        'ticks_per_s': sum(map(len, ticks)) / clients / window.elapsed,
        'dots_fewest': min(dots for mine in ticks for _, _, dots in mine),
        'key_changes_per_s': changes / window.elapsed,
        'received_p50_ms': 1e3 * percentile(received, 50),
        'received_p99_ms': 1e3 * percentile(received, 99),
        'received_worst_ms': 1e3 * max(received),
        'ran_p50_ms': 1e3 * percentile(ran, 50),
        'ran_p99_ms': 1e3 * percentile(ran, 99),
        'ran_worst_ms': 1e3 * max(ran),
        'server_cores': window.server_cpu / window.elapsed,
        'loadgen_busy': window.own_cpu / window.elapsed,
    }


SCENARIOS = {'echo': echo, 'fanout': fanout, 'idle': idle, 'arena': arena}


async def main(args):
    dialect = DIALECTS[args.dialect]
    if args.scenario != 'arena':  # the arena servers have no echo; arena.py warms them up by playing
        await warm_up(dialect, args.port)
    result = await SCENARIOS[args.scenario](
        dialect, args.port, args.pid, args.clients,
        warmup=args.warmup, duration=args.duration, max_messages=args.max_messages)
    print(json.dumps(result))


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('scenario', choices=SCENARIOS)
    parser.add_argument('--dialect', choices=DIALECTS, required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--pid', type=int, required=True, help="the server's process id")
    parser.add_argument('--clients', type=int, required=True)
    parser.add_argument('--warmup', type=float, default=0.5, help='seconds before measuring')
    parser.add_argument('--duration', type=float, default=3.0, help='seconds measured')
    parser.add_argument('--max-messages', type=int, default=1_000_000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(args))
