"""The benchmarks' own measuring: the server's CPU, read from /proc, to the nanosecond.

The benchmarks themselves are run by hand (benchmarks/README.md); what they
count with is checked here, on this test's own process.
"""

import os
import sys
import threading
import time

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import loadgen  # noqa: E402
import threads  # noqa: E402


def busy(seconds):
    """Use a CPU for about `seconds` of this thread's own time."""
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


def test_server_cpu_counts_finer_than_the_10_ms_clock_ticks():
    before = loadgen.server_cpu_seconds(os.getpid())
    busy(0.025)
    used = loadgen.server_cpu_seconds(os.getpid()) - before
    assert 0.025 <= used < 1.0
    # Clock ticks would give a whole number of 10 ms steps; nanoseconds almost never do.
    assert round(used * 100, 6) != round(used * 100)


def test_server_cpu_counts_every_thread():
    done, release = threading.Event(), threading.Event()

    def work():
        busy(0.05)
        done.set()
        release.wait()  # still alive when counted: an ended thread takes its count with it

    before = loadgen.server_cpu_seconds(os.getpid())
    worker = threading.Thread(target=work)
    worker.start()
    busy(0.05)
    assert done.wait(30)
    seconds = loadgen.server_cpu_seconds(os.getpid()) - before
    release.set()
    worker.join()
    assert seconds >= 0.1


def test_threads_sees_the_main_thread_and_counts_its_waits():
    me = str(os.getpid())
    before = threads.threads(os.getpid())
    for _ in range(20):
        time.sleep(0.001)  # each sleep is a wait: a voluntary context switch
    after = threads.threads(os.getpid())
    assert me in before and me in after
    assert after[me][2] - before[me][2] >= 20
