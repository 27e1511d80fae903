"""The SQLite write queue: one lock per engine, taken by the stores themselves."""

from __future__ import annotations

import threading
from pathlib import Path

from twin.db import make_engine, writes
from twin.keys import create_key, revoke_key


def test_the_key_store_waits_for_the_writer_in_front(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    lock = writes(engine)
    assert writes(engine) is lock  # one queue per engine, whoever asks
    made = threading.Event()

    def make_key() -> None:
        key, _ = create_key(engine, role="operator")
        revoke_key(engine, key.key_id)
        made.set()

    with lock:
        writer = threading.Thread(target=make_key)
        writer.start()
        assert not made.wait(0.5)  # the store queued behind the writer holding the lock
        with writes(engine):  # re-entrant: a holder may call a store that takes it too
            create_key(engine, role="admin")
    assert made.wait(10)
    writer.join()
    engine.dispose()


def test_other_databases_need_no_queue() -> None:
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://nobody@localhost/none")
    with writes(engine), writes(engine):
        pass
    assert type(writes(engine)).__name__ == "nullcontext"
