"""The database unavailable for a while gives a friendly 503 page (JSON under /api) and the app
recovers by itself when the database is back — no restart needed."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import threading

from sqlalchemy.engine import make_url

from wijzer import create_app


class TcpProxy:
    """A tiny TCP forwarder we can cut and restore, standing between the app and PostgreSQL."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.up = True
        self.conns: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.5)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):  # the outage closed a socket under us (select then sees fd -1)
            return
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self):
        self.up = False
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns.clear()

    def restore(self):
        self.up = True

    def close(self):
        self.stopped = True
        self.cut()
        self.listener.close()


def test_outage_gives_503_and_recovers(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        app_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        cut, restore, cleanup = proxy.cut, proxy.restore, proxy.close
    else:
        db_file = tmp_path / "outage.db"
        shutil.copy(url.database, db_file)
        app_url = f"sqlite:///{db_file}"
        hidden = tmp_path / "outage.db.away"

        def cut():
            os.replace(db_file, hidden)
            db_file.mkdir()  # a directory where the database file should be: cannot be opened

        def restore():
            db_file.rmdir()
            os.replace(hidden, db_file)

        cleanup = lambda: None  # noqa: E731
    app = create_app(
        {"TESTING": True, "DATABASE_URL": app_url, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()
    try:
        assert client.get("/api/v1/health").status_code == 200
        app.extensions["wijzer_db"][
            "engine"
        ].dispose()  # drop pooled connections, as a restart of the DB would
        cut()
        page = client.get("/api/v1/health")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        assert page.get_json()["error"]["code"] == "unavailable"
        html = client.get("/account", headers={"Authorization": "Bearer wz_x"})
        assert html.status_code == 503 and "Tijdelijk niet beschikbaar" in html.get_data(as_text=True)
        restore()
        assert client.get("/api/v1/health").status_code == 200  # recovered without a restart
    finally:
        app.extensions["wijzer_db"]["engine"].dispose()
        cleanup()
