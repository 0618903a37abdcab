"""SQLite's writers wait in a queue (`portal.db`): a request that writes holds an flock beside the
database from BEGIN IMMEDIATE to its commit or rollback, and gives it up however the transaction
ends, so one failed request can never stop every later writer."""
import fcntl
import os
import threading

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture
def sqlite_file(tmp_path, request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("SQLite's write queue")
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
    yield engine, str(tmp_path / "queue.sqlite-writers")
    engine.dispose()


def queue_taken(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.mark.parametrize("ending", ["commit", "rollback", "error", "returned"])
def test_a_writing_request_holds_the_queue_until_its_transaction_ends(app, sqlite_file, ending):
    engine, path = sqlite_file
    with app.test_request_context("/s/UJI01", method="POST"):
        connection = engine.connect()
        transaction = connection.begin()
        connection.execute(text("INSERT INTO t (v) VALUES (1)"))
        assert queue_taken(path)
        if ending == "commit":
            transaction.commit()
        elif ending == "rollback":
            transaction.rollback()
        elif ending == "error":
            with pytest.raises(Exception):
                connection.execute(text("INSERT INTO nowhere VALUES (1)"))
            transaction.rollback()
        assert queue_taken(path) == (ending == "returned")
        connection.close()
        assert not queue_taken(path)


def test_a_reading_request_does_not_queue(app, sqlite_file):
    engine, path = sqlite_file
    with app.test_request_context("/s/UJI01", method="GET"), engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t"))
        assert not queue_taken(path)


def test_writers_in_many_threads_each_get_their_turn(app, sqlite_file):
    engine, path = sqlite_file
    errors = []

    def writer(number):
        try:
            with app.test_request_context("/s/UJI01", method="POST"):
                for _ in range(20):
                    with engine.begin() as connection:
                        connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": number})
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 160
    assert not queue_taken(path)


def test_a_writer_behind_a_long_one_gives_up_its_place_after_the_wait(app, sqlite_file, monkeypatch):
    """Behind a writer that holds the queue long (a merge, an import), a request stops waiting
    in the queue after QUEUE_WAIT and goes on with SQLite's own busy_timeout: no worker thread
    blocks for as long as the other runs."""
    from tests.portal.conftest import portal_db_module

    portal_db = portal_db_module()
    monkeypatch.setattr(portal_db, "QUEUE_WAIT", 0.2)
    engine, path = sqlite_file
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with app.test_request_context("/s/UJI01", method="POST"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t (v) VALUES (1)"))
            assert "write_queue_fd" not in connection.info
    finally:
        os.close(holder)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
