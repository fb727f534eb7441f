"""The arena benchmark: wszero's arena game against the same game hand-written on raw websockets.

    python benchmarks/arena.py [--quick] [--clients 40]

40 clients each change a held arrow key 10 times a second, while a 30 Hz clock
moves everyone and broadcasts all positions. It measures the interval between
ticks (p50, p99, worst), as the clients receive them and from the times the
server put in them, and the server's CPU, for both servers in one run: they take
turns, in an order that rotates between repeats. Both turn compression off and
use the standard asyncio loop. See README.md here.
"""

import argparse
import os
import statistics
import sys
import time

from bench import PYTHON, BenchError, Neighbours, Server, load, machine, running, wszero_version

TICK_MS = 1000 / 30
SERVERS = [
    Server('raw', [[PYTHON, 'arena_raw.py']], 'plain', '/ws'),
    # Asked for its page, not /ws: a probe that opened a websocket would stay a player
    # for wszero's 10 s grace, as a page whose connection dropped.
    Server('wszero', [[PYTHON, '-m', 'wszero', 'arena_wszero.py']], 'plain', '/'),
]
FULL = dict(repeats=3, warmup=1.0, duration=10.0)
QUICK = dict(repeats=2, warmup=0.5, duration=3.0)

ROWS = [
    ('ticks_per_s', 'ticks each client got per second', '{:.1f}'),
    ('received_p50_ms', 'tick interval as received: p50 (ms)', '{:.1f}'),
    ('received_p99_ms', 'tick interval as received: p99 (ms)', '{:.1f}'),
    ('received_worst_ms', 'tick interval as received: worst (ms)', '{:.1f}'),
    ('ran_p50_ms', "tick interval by the server's clock: p50 (ms)", '{:.1f}'),
    ('ran_p99_ms', "tick interval by the server's clock: p99 (ms)", '{:.1f}'),
    ('ran_worst_ms', "tick interval by the server's clock: worst (ms)", '{:.1f}'),
    ('server_cores', 'server CPU (% of one core)', '{:.1%}'),
    ('key_changes_per_s', 'key changes sent per second', '{:,.0f}'),
    ('loadgen_busy', 'load generator CPU (% of one core)', '{:.0%}'),
]


def bench(settings, clients, progress):
    """Every server plays the arena, `repeats` times; returns {(server, metric): [samples]}."""
    samples = {}
    for repeat in range(settings['repeats']):
        turn = repeat % len(SERVERS)
        for server in SERVERS[turn:] + SERVERS[:turn]:
            progress(f'run {repeat + 1}: {server.name}, {clients} clients')
            with running(server) as (pid, port, _):
                result = load(server, pid, port, 'arena', clients, settings)
            if result['dots_fewest'] != clients:
                raise BenchError(f'{server.name} sent a tick with {result["dots_fewest"]} dots, not {clients}')
            for metric, value in result.items():
                samples.setdefault((server.name, metric), []).append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


def table(result):
    lines = ['| measure | raw | wszero |', '|---|---|---|']
    for metric, label, fmt in ROWS:
        raw, wszero = result[('raw', metric)], result[('wszero', metric)]
        cell = fmt.format(wszero)
        if metric == 'server_cores' and raw:
            cell += f' ({wszero / raw:.2f}×)'
        lines.append(f'| {label} | {fmt.format(raw)} | {cell} |')
    return '\n'.join(lines)


def targets(result):
    p99 = result[('wszero', 'received_p99_ms')]
    cpu = result[('wszero', 'server_cores')] / result[('raw', 'server_cores')]
    return '\n'.join([
        '| target (wszero) | measured | result |', '|---|---|---|',
        f'| tick interval p99 within 5 ms of {TICK_MS:.1f} ms | {p99:.1f} ms | '
        f'{"PASS" if abs(p99 - TICK_MS) <= 5 else "FAIL"} |',
        f'| server CPU ≤ 1.25× raw | {cpu:.2f}× | {"PASS" if cpu <= 1.25 else "FAIL"} |',
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='2 repeats of 3 s (about half a minute)')
    parser.add_argument('--clients', type=int, default=40, help='players (40)')
    args = parser.parse_args()
    settings = dict(QUICK if args.quick else FULL)
    wszero = wszero_version()
    if wszero is None:
        raise BenchError('wszero cannot be imported from the repository')
    neighbours = Neighbours()
    started = time.perf_counter()

    def progress(text):
        print(f'[{time.perf_counter() - started:5.0f} s] {text}', file=sys.stderr)

    result = bench(settings, args.clients, progress)
    mode = 'quick' if args.quick else 'full'
    print(f'\nArena, {args.clients} clients: medians of {settings["repeats"]} runs ({mode} mode, '
          f'{settings["duration"]:g} s measured per run) in {time.perf_counter() - started:.0f} s.\n')
    print(table(result))
    print()
    print(targets(result))
    print(f'\nMachine: {machine(wszero)}.')
    print(f'wszero ran as: `{" ".join(SERVERS[1].commands[0][1:])} --port N`.')
    others = neighbours.cores()
    if others >= 0.1:
        print(f'Other processes took {others:.1f} of {os.cpu_count()} cores on average during the run: '
              'expect noise, and rerun on a quiet machine.')


if __name__ == '__main__':
    try:
        main()
    except BenchError as error:
        sys.exit(f'arena: {error}')
