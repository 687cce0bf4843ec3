import datetime as dt

import pytest

from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.app.syncutil import HOClock, client, hoc  # noqa: F401  (fixtures for the store-pull test)
from tests.headoffice.consoleutil import add_users

# 2027-01-15 10:00 China time
T0 = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@pytest.fixture
def hoc():  # noqa: F811
    return HOClock(T0)


@pytest.fixture
def ho(tmp_path, hoc):
    storage = SQLiteStorage(tmp_path / "ho.db")
    h = HeadOffice(storage, clock=hoc)
    add_users(storage, hoc)
    yield h
    storage.close()
