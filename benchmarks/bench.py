"""Benchmark wszero against raw websockets (the limit) and python-socketio, in one run.

    python benchmarks/bench.py [--quick] [--servers raw-nocomp,raw,wszero,socketio]

Each server runs in its own process on 127.0.0.1 and is driven by loadgen.py in
another. Every run is repeated and the medians are printed as a markdown table,
with each number's ratio to raw-nocomp (raw websockets with wszero's settings:
compression off), then to raw (websockets' default: compression on), and the
targets of issues 6 and 14. See README.md here.
"""

import argparse
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable


@dataclass
class Server:
    name: str
    commands: list  # tried in order: the first that answers is used
    dialect: str  # how loadgen.py talks to it
    path: str  # the websocket path, for the readiness probe


SERVERS = {
    # The same hand-written server twice: with wszero's settings (compression off), the fair
    # comparison, and with websockets' default (compression on), what a hand-written one gets.
    'raw-nocomp': Server('raw-nocomp', [[PYTHON, 'server_raw.py', '--no-compression']], 'plain', '/ws'),
    'raw': Server('raw', [[PYTHON, 'server_raw.py']], 'plain', '/ws'),
    # The runner is preferred; `python app.py --port N` is the fallback while it is missing.
    'wszero': Server('wszero', [[PYTHON, '-m', 'wszero', 'app_wszero.py'], [PYTHON, 'app_wszero.py']],
                     'plain', '/ws'),
    'socketio': Server('socketio', [[PYTHON, 'server_socketio.py']], 'socketio',
                       '/socket.io/?EIO=4&transport=websocket'),
}

FULL = dict(repeats=3, warmup=0.5, duration=3.0, idle=(1000, 5000))
QUICK = dict(repeats=3, warmup=0.2, duration=0.4, idle=(1000,))
ECHO_CLIENTS = (1, 10, 100)
FANOUT_CLIENTS = (100, 1000)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def answers(port, path):
    """True once the port completes an HTTP exchange (a websocket upgrade request)."""
    request = (f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
               'Sec-WebSocket-Version: 13\r\n\r\n')
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=2) as s:
            s.sendall(request.encode())
            return s.recv(64).startswith(b'HTTP/')
    except OSError:
        return False


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def launch(command, path, log):
    """Start one server; return (process, port, seconds until it answered) or None if it died."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop('DISPLAY', None)  # never open a window
    # Python caches compiled files by default, as on a child's computer after the first run;
    # without it, start-up would measure compiling wszero.py's 200 KB each time.
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    started = time.perf_counter()
    process = subprocess.Popen(command + ['--port', str(port)], cwd=HERE, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=log, start_new_session=True)
    while time.perf_counter() - started < 30:
        if answers(port, path):
            return process, port, time.perf_counter() - started
        if process.poll() is not None:
            return None
        time.sleep(0.005)
    stop(process)
    raise BenchError(f'{" ".join(command)} did not answer on port {port} within 30 s')


@contextmanager
def running(server):
    """A fresh server process for the duration of the block: yields (pid, port, start-up seconds)."""
    with tempfile.TemporaryFile() as log:
        for command in list(server.commands):
            launched = launch(command, server.path, log)
            if launched:
                break
            server.commands.remove(command)  # don't try a command that failed again
        else:
            log.seek(0)
            raise BenchError(f'{server.name} did not start:\n{log.read().decode()[-2000:]}')
        process, port, startup = launched
        try:
            yield process.pid, port, startup
        finally:
            stop(process)


def load(server, pid, port, scenario, clients, settings):
    """Run loadgen.py once and return its JSON result."""
    command = [PYTHON, str(HERE / 'loadgen.py'), scenario, '--dialect', server.dialect,
               '--port', str(port), '--pid', str(pid), '--clients', str(clients),
               '--warmup', str(settings['warmup']), '--duration', str(settings['duration'])]
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=120 + settings['warmup'] + settings['duration'])
    if done.returncode:
        raise BenchError(f'{server.name} {scenario} {clients}: loadgen failed:\n{done.stderr[-2000:]}')
    return json.loads(done.stdout.splitlines()[-1])


# ---------------------------------------------------------------- the runs

def bench(servers, settings, progress):
    """Every scenario against every server, repeated; returns {(server, measure): [samples]}.

    Within a repeat all servers run side by side and take turns per scenario, so
    the numbers compared in one row are measured seconds apart on this machine.
    """
    samples = {}

    def keep(name, scenario, clients, result):
        for metric, value in result.items():
            samples.setdefault((name, (scenario, clients, metric)), []).append(value)

    for repeat in range(settings['repeats']):
        turn = repeat % len(servers)
        order = servers[turn:] + servers[:turn]  # rotate, so no server always goes first
        for clients in settings['idle']:
            for server in order:  # a fresh server each, so memory is counted from a clean start
                progress(f'run {repeat + 1}: {server.name} idle {clients}')
                with running(server) as (pid, port, startup):
                    keep(server.name, 'startup', 0, {'ms': 1e3 * startup})
                    keep(server.name, 'idle', clients, load(server, pid, port, 'idle', clients, settings))
        with ExitStack() as stack:
            live = {}
            for server in order:
                pid, port, startup = live[server.name] = stack.enter_context(running(server))
                keep(server.name, 'startup', 0, {'ms': 1e3 * startup})
            for scenario, sizes in (('echo', ECHO_CLIENTS), ('fanout', FANOUT_CLIENTS)):
                for clients in sizes:
                    for server in order:
                        progress(f'run {repeat + 1}: {server.name} {scenario} {clients}')
                        pid, port, _ = live[server.name]
                        keep(server.name, scenario, clients,
                             load(server, pid, port, scenario, clients, settings))
    return samples


# ---------------------------------------------------------------- the report

def rows(settings):
    """(measure, label, format) for every line of the table, in order."""
    for n in ECHO_CLIENTS:
        run = f'echo, {n} client' + ('s' if n > 1 else '')
        yield ('echo', n, 'msgs_per_s'), f'{run}: messages/s', '{:,.0f}'
        yield ('echo', n, 'p50_ms'), f'{run}: p50 round trip (ms)', '{:.2f}'
        yield ('echo', n, 'p99_ms'), f'{run}: p99 round trip (ms)', '{:.2f}'
        yield ('echo', n, 'server_cpu_us_per'), f'{run}: server CPU per message (µs)', '{:.0f}'
    for n in FANOUT_CLIENTS:
        run = f'broadcast to {n}'
        yield ('fanout', n, 'deliveries_per_s'), f'{run}: deliveries/s', '{:,.0f}'
        yield ('fanout', n, 'first_p50_ms'), f'{run}: p50 until the first has it (ms)', '{:.1f}'
        yield ('fanout', n, 'p50_ms'), f'{run}: p50 until all have it (ms)', '{:.1f}'
        yield ('fanout', n, 'p99_ms'), f'{run}: p99 until all have it (ms)', '{:.1f}'
        yield ('fanout', n, 'server_cpu_us_per'), f'{run}: server CPU per delivery (µs)', '{:.1f}'
    for n in settings['idle']:
        yield ('idle', n, 'rss_kib_per_conn'), f'{n} idle: server RSS per connection (KiB)', '{:.1f}'
        yield ('idle', n, 'connects_per_s'), f'{n} idle: connects/s', '{:,.0f}'
    yield ('startup', 0, 'ms'), 'start-up until the port answers (ms)', '{:.0f}'


def medians(samples):
    return {key: statistics.median(values) for key, values in samples.items()}


BASES = ('raw-nocomp', 'raw')  # the ratios in the table, in this order


def ratio(result, name, measure, base='raw-nocomp'):
    if (name, measure) in result and (base, measure) in result:
        return result[(name, measure)] / result[(base, measure)]


def table(result, names, settings):
    lines = ['| measure | ' + ' | '.join(names) + ' |', '|---' * (len(names) + 1) + '|']
    for measure, label, fmt in rows(settings):
        cells = []
        for name in names:
            if (name, measure) not in result:
                cells.append('—')
                continue
            ratios = []  # to each base before this server in BASES: raw gets raw-nocomp's only
            for base in BASES[:BASES.index(name) if name in BASES else None]:
                if ratio(result, name, measure, base) is not None:
                    ratios.append(f'{ratio(result, name, measure, base):.2f}×')
            cell = fmt.format(result[(name, measure)])
            if ratios:
                cell += f' ({", ".join(ratios)})'
            cells.append(cell)
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def ratios_are(names):
    """The sentence that says what the ratios in the table are to."""
    said = {'raw-nocomp': 'raw-nocomp (compression off, as in wszero)',
            'raw': "raw (compression on, websockets' default)"}
    bases = [said[base] for base in BASES if base in names]
    return f'Ratios are to {", then to ".join(bases)}.' if bases else ''


def targets(result, settings):
    """Issue 6's targets and issue 14's, judged against raw-nocomp: the same settings as wszero.

    Issue 6 set its targets against raw, with compression on; that ratio is shown too.
    """
    idle = max(settings['idle'])
    checks = [  # (target, measure, base, passes)
        ('echo, 1 client: messages/s ≥ 0.75×', ('echo', 1, 'msgs_per_s'), 'raw-nocomp', lambda r: r >= 0.75),
        ('echo, 10 clients: messages/s ≥ 0.8×', ('echo', 10, 'msgs_per_s'), 'raw-nocomp', lambda r: r >= 0.8),
        ('echo, 100 clients: messages/s ≥ 0.8×', ('echo', 100, 'msgs_per_s'), 'raw-nocomp', lambda r: r >= 0.8),
        ('echo, 100 clients: messages/s ≥ 2×', ('echo', 100, 'msgs_per_s'), 'socketio', lambda r: r >= 2),
        ('broadcast to 1000: p99 ≤ 1.25×', ('fanout', 1000, 'p99_ms'), 'raw-nocomp', lambda r: r <= 1.25),
        (f'memory per idle connection ({idle}) ≤ 1.25×', ('idle', idle, 'rss_kib_per_conn'), 'raw-nocomp',
         lambda r: r <= 1.25),
        ('start-up ≤ 1.5× {base} (a bare websockets server)', ('startup', 0, 'ms'), 'raw-nocomp', lambda r: r <= 1.5),
    ]
    lines = ['| target (wszero) | measured | to raw (compression on) | result |', '|---|---|---|---|']
    for label, measure, base, passes in checks:
        value = ratio(result, 'wszero', measure, base)
        to_raw = ratio(result, 'wszero', measure, 'raw') if base == 'raw-nocomp' else None
        shown = '—' if to_raw is None else f'{to_raw:.2f}×'
        label = label.format(base=base) if '{base}' in label else f'{label} {base}'
        if value is None:
            lines.append(f'| {label} | — | {shown} | not run |')
        else:
            lines.append(f'| {label} | {value:.2f}× | {shown} | {"PASS" if passes(value) else "FAIL"} |')
    return '\n'.join(lines)


def client_bound(result, names):
    """Runs where the load generator itself was nearly saturated."""
    return [f'{name} {scenario} {clients}' for (name, (scenario, clients, metric)), busy in result.items()
            if metric == 'loadgen_busy' and busy >= 0.9 and name in names]


class Neighbours:
    """How much CPU other processes (and the hypervisor) took while the benchmark ran."""

    def __init__(self):
        self.started = time.perf_counter()
        self.machine, self.ours = self.busy()

    @staticmethod
    def busy():
        with open('/proc/stat') as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
        machine = (user + nice + system + irq + softirq + steal) / os.sysconf('SC_CLK_TCK')
        ours = sum(usage.ru_utime + usage.ru_stime for usage in
                   (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
        return machine, ours

    def cores(self):
        machine, ours = self.busy()
        return ((machine - self.machine) - (ours - self.ours)) / (time.perf_counter() - self.started)


def version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return 'not installed'


def wszero_version():
    """wszero's version (and commit, if any), or None when it can't be imported yet."""
    probe = subprocess.run([PYTHON, '-c', 'import wszero; print(wszero.__version__)'],
                           cwd=HERE, env=dict(os.environ, PYTHONPATH=str(REPO)),
                           capture_output=True, text=True)
    if probe.returncode:
        return None
    git = ['git', '-C', str(REPO)]
    commit = subprocess.run(git + ['log', '-1', '--format=%h', '--', 'wszero.py'],
                            capture_output=True, text=True).stdout.strip() or 'uncommitted'
    if subprocess.run(git + ['diff', '--quiet', 'HEAD', '--', 'wszero.py']).returncode:
        commit += ' with local changes'
    return f'{probe.stdout.strip()} ({commit})'


def machine(wszero):
    with open('/proc/cpuinfo') as f:
        cpu = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), '?')
    memory = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return (f'{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()}; '
            f'Python {platform.python_version()}, websockets {version("websockets")}, '
            f'python-socketio {version("python-socketio")} (python-engineio {version("python-engineio")}, '
            f'aiohttp {version("aiohttp")}), wszero {wszero or "not available"}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer repeats and shorter runs (about a minute)')
    parser.add_argument('--servers', default=','.join(SERVERS),
                        help='comma-separated subset of: ' + ', '.join(SERVERS))
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    names = [name for name in SERVERS if name in args.servers.split(',')]
    wszero = wszero_version()
    if wszero is not None:  # cached once, so no run pays for compiling it (see launch())
        import py_compile
        py_compile.compile(str(REPO / 'wszero.py'), doraise=True)
    if 'wszero' in names and wszero is None:
        print('wszero cannot be imported from the repository yet: benchmarking the others.', file=sys.stderr)
        names.remove('wszero')

    # 5000 connections need more than the usual 1024 descriptors; the servers inherit this.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    neighbours = Neighbours()
    started = time.perf_counter()

    def progress(text):
        print(f'[{time.perf_counter() - started:5.0f} s] {text}', file=sys.stderr)

    result = medians(bench([SERVERS[name] for name in names], settings, progress))

    mode = 'quick' if args.quick else 'full'
    print(f'\nMedians of {settings["repeats"]} runs ({mode} mode, {settings["duration"]:g} s measured '
          f'per run) in {time.perf_counter() - started:.0f} s. {ratios_are(names)}\n')
    print(table(result, names, settings))
    print()
    print(targets(result, settings))
    print(f'\nMachine: {machine(wszero)}.')
    if 'wszero' in names:
        print(f'wszero ran as: `{" ".join(SERVERS["wszero"].commands[0][1:])} --port N`.')
    others = neighbours.cores()
    if others >= 0.1:
        print(f'Other processes took {others:.1f} of {os.cpu_count()} cores on average during the run: '
              'expect noise, and rerun on a quiet machine.')
    saturated = client_bound(result, names)
    if saturated:
        print(f'Load generator ≥ 90% busy (client-bound; compare server CPU rows): {", ".join(saturated)}.')


if __name__ == '__main__':
    try:
        main()
    except BenchError as error:
        sys.exit(f'bench: {error}')
