"""Prove that code opens no outbound network connection.

``deny_network()`` patches the socket layer for the duration of a ``with``
block: every connection attempt (TCP/UDP ``connect``, ``sendto``, DNS look-up
of a non-loopback name) to anything but loopback is recorded and refused. Tests
assert that the recorded list is empty *and* that the guard itself works (see
``tests/test_netguard.py``), so a passing test is not vacuous.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class OutboundConnection(OSError):
    """Raised in place of a non-loopback connection while the guard is active."""


@contextmanager
def deny_network() -> Iterator[list[str]]:
    attempts: list[str] = []
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex
    orig_sendto = socket.socket.sendto
    orig_getaddrinfo = socket.getaddrinfo

    def _check(address: object) -> None:
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            attempts.append(repr(address))
            raise OutboundConnection(f"outbound connection blocked: {address!r}")
        if isinstance(address, (str, bytes)):
            return  # AF_UNIX paths are local

    def connect(self: socket.socket, address: object) -> None:
        _check(address)
        return orig_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        _check(address)
        return orig_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *args: object) -> int:
        _check(args[-1])
        return orig_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host is not None and not _is_loopback(host):
            attempts.append(f"dns:{host!r}")
            raise OutboundConnection(f"DNS look-up blocked: {host!r}")
        return orig_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = orig_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = orig_connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = orig_sendto  # type: ignore[method-assign]
        socket.getaddrinfo = orig_getaddrinfo  # type: ignore[assignment]
