"""Where a message's CPU goes, thread by thread: the profile behind README's "The crossings".

    python benchmarks/threads.py [--clients 1,10,100] [--duration 3]

Runs the echo of bench.py against raw-nocomp and wszero, and reads, for every
thread of each server, from /proc/PID/task/TID:
- schedstat: its time on a CPU, in nanoseconds;
- status: how often it waited (voluntary context switches: for a lock, the GIL,
  the network) and how often it was pushed off its CPU (involuntary).
Each is divided by the messages echoed, so a row reads "per message".  In
wszero, thread 2 is the game thread, which runs the handlers.

A sampling profiler (py-spy) is no help here: on this machine it counts a
thread that waits on a lock as busy, and a wait is what we want to see.
Linux only.
"""

import argparse
import os
import sys

from bench import PYTHON, SERVERS, BenchError, load, running

SETTINGS = dict(warmup=0.5, duration=3.0)


def threads(pid):
    """{thread id: (name, CPU ns, voluntary, involuntary)} for a process's threads now."""
    found = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                name = f.read().strip()
            with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
                cpu = int(f.read().split()[0])
            with open(f'/proc/{pid}/task/{tid}/status') as f:
                status = dict(line.split(':', 1) for line in f if ':' in line)
        except FileNotFoundError:  # a thread that just ended
            continue
        found[tid] = (name, cpu, int(status['voluntary_ctxt_switches']),
                      int(status['nonvoluntary_ctxt_switches']))
    return found


def profile(server, clients, settings):
    """Rows of (thread, µs per message, waits per message, pushed off per message) and messages/s."""
    with running(server) as (pid, port, _):
        before = threads(pid)
        result = load(server, pid, port, 'echo', clients, settings)
        after = threads(pid)
    # Counted over the whole load, warm-up included, so per message is per message sent then.
    messages = result['msgs_per_s'] * (settings['warmup'] + settings['duration'])
    rows = []
    others = sorted((tid for tid in after if tid != str(pid)), key=int)
    for tid, (_, cpu, waits, pushed) in after.items():
        # Python 3.11 doesn't give the OS its threads' names, so: the main thread (which runs
        # the event loop in both servers), then the others in the order they started.
        label = 'main' if tid == str(pid) else f'thread {others.index(tid) + 2}'

        _, cpu0, waits0, pushed0 = before.get(tid, (None, 0, 0, 0))
        if cpu - cpu0 > 1e6:  # busy for more than a millisecond in all: a thread that works
            rows.append((label, (cpu - cpu0) / 1e3 / messages,
                         (waits - waits0) / messages, (pushed - pushed0) / messages))
    return rows, result['msgs_per_s']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', default='1,10,100', help='echo clients, comma-separated (1,10,100)')
    parser.add_argument('--duration', type=float, default=SETTINGS['duration'], help='seconds measured (3)')
    args = parser.parse_args()
    settings = dict(SETTINGS, duration=args.duration)
    print('| server | clients | messages/s | thread | CPU per message (µs) | waits per message '
          '| pushed off its CPU per message |')
    print('|---|---|---|---|---|---|---|')
    for clients in (int(n) for n in args.clients.split(',')):
        for name in ('raw-nocomp', 'wszero'):
            rows, rate = profile(SERVERS[name], clients, settings)
            for thread, cpu, waits, pushed in rows:
                print(f'| {name} | {clients} | {rate:,.0f} | {thread} | {cpu:.1f} | {waits:.2f} | {pushed:.2f} |')
    print(f'\n{PYTHON} {sys.version.split()[0]}, {os.cpu_count()} cores.')


if __name__ == '__main__':
    try:
        main()
    except BenchError as error:
        sys.exit(f'threads: {error}')
