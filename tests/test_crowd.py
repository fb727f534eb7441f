"""Who is playing: clients(), members(group) and broadcast(exclude=...) (issue 13).

A real server (`python -m wszero`) and real websockets clients.  Each test
ends what a client should get with a broadcast "end" to everyone, so "the
next message is end" proves that nothing else came before it.
"""

import asyncio
import json

from conftest import DEADLINE, in_a_thread, wait_for

CROWD = """\
    from wszero import *

    @on('name')
    def name(client, name):
        client.name = name

    @on('who')
    def who(client):
        # The state is wszero's own, read here only so the test knows when a drop was noticed.
        return [[c.name, c._session.state] for c in clients()]

    @on('join')
    def join(client, group):
        client.add_to_group(group)

    @on('leave')
    def leave(client, group):
        client.remove_from_group(group)

    @on('members')
    def get_members(client, group):
        return [c.name for c in members(group)]

    @on('shout')
    def shout(client, text, group=None):
        broadcast('shout', group, exclude=client, text=text)

    @on('shout_past')
    def shout_past(client, text, names: list):
        broadcast('shout', exclude=[c for c in clients() if c.name in names], text=text)

    @on('end')
    def end(client):
        broadcast('end')

    @on('disconnect')
    def disconnect(client):
        broadcast('left', name=client.name, still_here=[c.name for c in clients()])

    run_server(grace=30)
"""


def crowd(program, *names):
    """A connected, named client for each name, in this order."""
    clients = []
    for name in names:
        client = program.client()
        client.ask("name", name=name)
        clients.append(client)
    return clients


def names(client):
    return [name for name, _ in client.ask("who")]


def next_ops(client, count):
    return [client.recv()["op"] for _ in range(count)]


# =============================================================================
# clients() and members()
# =============================================================================


def test_clients_lists_every_connected_client_in_the_order_they_joined(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, bob, cy:
        assert names(cy) == ["Ada", "Bob", "Cy"]
        assert names(ada) == ["Ada", "Bob", "Cy"]


def test_a_client_whose_page_closed_is_no_longer_in_clients(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, cy:
        bob.close()
        assert ada.recv_op("left") == {"op": "left", "name": "Bob", "still_here": ["Ada", "Cy"]}
        assert names(ada) == ["Ada", "Cy"]


def test_a_page_in_its_grace_period_after_a_drop_still_counts_in_clients(run):
    program = run(CROWD)

    async def join_then_drop(name):
        from websockets.asyncio.client import connect
        ws = await connect(program.ws_url)
        await ws.recv()  # hello
        await ws.send(json.dumps({"op": "name", "name": name, "wszero:id": 1}))
        assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["op"] == "wszero:reply"
        ws.transport.abort()  # the Wi-Fi dropped: no goodbye

    def who_once_bob_dropped():
        got = ada.ask("who")
        return got if ["Bob", "dropped"] in got else None

    (ada,) = crowd(program, "Ada")
    with ada:
        in_a_thread(join_then_drop("Bob"))
        (cy,) = crowd(program, "Cy")
        with cy:
            who = wait_for(who_once_bob_dropped, what="the server to notice Bob's drop")
            assert [name for name, _ in who] == ["Ada", "Bob", "Cy"]
    assert "Bob left." not in program.stdout


def test_members_lists_the_clients_in_a_group_in_the_order_they_joined_it(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, bob, cy:
        cy.send("join", group="red")
        ada.send("join", group="red")
        bob.send("join", group="blue")
        assert wait_for(lambda: ada.ask("members", group="red") == ["Cy", "Ada"], what="red to have Cy and Ada")
        assert wait_for(lambda: ada.ask("members", group="blue") == ["Bob"], what="blue to have Bob")
        assert ada.ask("members", group="green") == []


def test_members_leaves_out_a_client_that_left_the_group_or_disconnected(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, cy:
        for client in (ada, bob, cy):
            client.ask("join", group="red")
        ada.ask("leave", group="red")
        assert ada.ask("members", group="red") == ["Bob", "Cy"]
        bob.close()
        ada.recv_op("left")
        assert ada.ask("members", group="red") == ["Cy"]


# =============================================================================
# broadcast(exclude=...)
# =============================================================================


def test_broadcast_with_exclude_a_client_reaches_everyone_but_that_client(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, bob, cy:
        ada.send("shout", text="hi")
        ada.send("end")
        for client in (bob, cy):
            assert client.recv() == {"op": "shout", "text": "hi"}
        for client in (ada, bob, cy):
            assert next_ops(client, 1) == ["end"]


def test_broadcast_with_exclude_a_list_reaches_everyone_not_in_the_list(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, bob, cy:
        ada.send("shout_past", text="only Cy", names=["Ada", "Bob"])
        ada.send("end")
        assert next_ops(cy, 2) == ["shout", "end"]
        assert next_ops(ada, 1) == ["end"]
        assert next_ops(bob, 1) == ["end"]


def test_broadcast_with_an_empty_exclude_list_reaches_everyone(run):
    program = run(CROWD)
    ada, bob = crowd(program, "Ada", "Bob")
    with ada, bob:
        ada.send("shout_past", text="all", names=[])
        for client in (ada, bob):
            assert client.recv() == {"op": "shout", "text": "all"}


def test_broadcast_to_a_group_with_exclude_reaches_the_other_members_only(run):
    program = run(CROWD)
    ada, bob, cy = crowd(program, "Ada", "Bob", "Cy")
    with ada, bob, cy:
        ada.ask("join", group="red")
        bob.ask("join", group="red")
        ada.send("shout", text="red, not me", group="red")
        ada.send("end")
        assert next_ops(bob, 2) == ["shout", "end"]
        assert next_ops(ada, 1) == ["end"]
        assert next_ops(cy, 1) == ["end"]
