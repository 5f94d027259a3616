"""Fixtures shared by the buying-group tests."""

import threading
from http.server import HTTPServer

import pytest


@pytest.fixture
def http_server():
    """``http_server(Handler)`` serves ``Handler`` on a free local port in a thread and
    returns the server; every server started is stopped after the test."""
    servers = []

    def start(handler):
        server = HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
