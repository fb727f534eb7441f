from conftest import EXAMPLES
import os


def test_chat_example_broadcasts_to_everyone(run):
    chat = run(path=os.path.join(EXAMPLES, "chat", "chat.py"))
    with chat.client() as ada, chat.client() as bob:
        ada.send("chat", name="Ada", text="hi")
        assert bob.recv_op("chat") == {"op": "chat", "name": "Ada", "text": "hi"}
    assert chat.stop() == 0
