"""The receivers of several processes queue for one SQLite file on a file lock beside it."""
from __future__ import annotations

import fcntl
import os
import threading

import pytest
from sqlalchemy import create_engine

from tests.webhooks.test_driver_insert import row
from webhooks.sqlite_writers import SUFFIX, NoLock, WriterLock, writer_lock


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_insert_waits_for_the_receiver_of_another_process_and_goes_on_when_it_is_done(app, insert, database_url):
    """Another open file description holding the lock is another process's receiver, as flock sees it."""
    other = os.open(database_url.removeprefix("sqlite:///") + SUFFIX, os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (insert([row("queued")]), done.set()))
    try:
        worker.start()
        assert not done.wait(0.3)  # it cannot get past the lock the other holds, however long it waits
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    worker.join(10)
    assert done.is_set()


def test_each_sqlite_file_has_its_own_lock_and_other_databases_none(tmp_path):
    assert writer_lock(create_engine(f"sqlite:///{tmp_path}/a.sqlite3")).path == f"{tmp_path}/a.sqlite3{SUFFIX}"
    assert isinstance(writer_lock(create_engine("sqlite://")), NoLock)
    assert isinstance(writer_lock(create_engine("sqlite:///:memory:")), NoLock)
    assert isinstance(writer_lock(create_engine("postgresql+psycopg://u@h/db")), NoLock)


def test_a_lock_file_that_cannot_be_made_leaves_the_insert_to_sqlites_own_lock(tmp_path):
    lock = WriterLock(str(tmp_path / "missing-dir" / ("db.sqlite3" + SUFFIX)))
    with lock:
        pass
    lock.close()
