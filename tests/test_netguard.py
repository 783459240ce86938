"""The network guard used by the no-outbound-connection tests really blocks."""

import socket

import pytest

from tests.netguard import OutboundConnection, deny_network


def test_guard_blocks_and_records_outbound():
    with deny_network() as attempts, pytest.raises(OutboundConnection):
        socket.create_connection(("192.0.2.1", 80), timeout=0.5)
    assert attempts, "the guard must record the blocked attempt"


def test_guard_blocks_dns():
    with deny_network() as attempts, pytest.raises(OutboundConnection):
        socket.getaddrinfo("example.org", 443)
    assert attempts == ["dns:'example.org'"]


def test_guard_allows_loopback():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with deny_network() as attempts:
        c = socket.create_connection(srv.getsockname(), timeout=1)
        c.close()
    srv.close()
    assert attempts == []
