"""The benchmarks' own measuring: a server's CPU, read from /proc, to the nanosecond.

The benchmarks themselves are run by hand (benchmarks/README.md); what they
count with is checked here, on a small process of the test's own that uses
CPU when told to.  (Not on the test's own process: its threads and its
children, a browser among them, come and go as other tests run.)
"""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import loadgen  # noqa: E402
import threads  # noqa: E402

WORKER = r"""
import sys, threading, time

def busy(seconds):
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass

for line in sys.stdin:
    what, n = line.split()
    if what == 'busy':  # n seconds of CPU in this thread
        busy(float(n))
    elif what == 'both':  # n seconds of CPU in this thread and as much in another, which stays
        done, end = threading.Event(), threading.Event()
        other = threading.Thread(target=lambda: (busy(float(n)), done.set(), end.wait()))
        other.start()
        busy(float(n))
        done.wait()
    elif what == 'end':  # the other thread ends
        end.set()
        other.join()
    elif what == 'sleep':  # n short sleeps: each one a wait
        for _ in range(int(n)):
            time.sleep(0.001)
    print('done', flush=True)
"""


@pytest.fixture
def worker():
    process = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)

    def ask(command):
        process.stdin.write(command + "\n")
        process.stdin.flush()
        assert process.stdout.readline() == "done\n"

    ask.pid = process.pid
    yield ask
    process.stdin.close()
    process.wait(30)


def test_server_cpu_counts_finer_than_the_10_ms_clock_ticks(worker):
    before = loadgen.server_cpu_seconds(worker.pid)
    worker("busy 0.025")
    used = loadgen.server_cpu_seconds(worker.pid) - before
    assert 0.025 <= used < 1.0
    # Clock ticks would give a whole number of 10 ms steps; nanoseconds almost never do.
    assert round(used * 100, 6) != round(used * 100)


def test_server_cpu_counts_every_thread_while_it_runs(worker):
    before = loadgen.server_cpu_seconds(worker.pid)
    worker("both 0.05")
    both = loadgen.server_cpu_seconds(worker.pid) - before
    assert 0.1 <= both < 1.0
    # A thread that has ended takes its count with it (benchmarks/README.md says so),
    # which is why the benchmarks count only while a server's threads stay the same.
    worker("end 0")
    assert loadgen.server_cpu_seconds(worker.pid) - before < both


def test_threads_counts_the_waits_of_each_thread(worker):
    me = str(worker.pid)
    before = threads.threads(worker.pid)
    worker("sleep 20")
    after = threads.threads(worker.pid)
    assert list(after) == [me]  # one thread: the main one
    name, cpu, waits, pushed = after[me]
    assert name == "python" or name.startswith("python")
    assert cpu > before[me][1]
    assert waits - before[me][2] >= 20
