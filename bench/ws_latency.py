#!/usr/bin/env python3
"""Commit-to-screen latency of the live timeline (GET /ws/events).

For each of COUNT deposits on a fresh account: the time from the command's 201 (the events
are committed) to the arrival of its event on a WebSocket subscribed to that account.
Usage: ws_latency.py PORT API_KEY [COUNT]   (an operator or admin key; stdlib only)
"""
import http.client
import json
import socket
import sys
import time


def read_frame(sock, buffer):
    while True:
        if len(buffer) >= 2:
            length, header = buffer[1] & 0x7F, 2
            if length == 126 and len(buffer) >= 4:
                length, header = int.from_bytes(buffer[2:4], "big"), 4
            if (buffer[1] & 0x7F) < 126 or header == 4:
                if len(buffer) >= header + length:
                    frame = bytes(buffer[header:header + length])
                    del buffer[:header + length]
                    return frame
        buffer += sock.recv(65536)


def main():
    port, key = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    account = "wslat-%d" % int(time.time() * 1000)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall((
        "GET /ws/events?account_id=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Protocol: chronicle.v1, bearer.%s\r\n\r\n" % (account, key)).encode())
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(4096)
    del buffer[:buffer.index(b"\r\n\r\n") + 4]
    read_frame(sock, buffer)  # ready
    api = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    def post(path, body):
        api.request("POST", path, json.dumps(body), headers)
        answer = api.getresponse()
        answer.read()
        assert answer.status == 201, answer.status

    post("/commands/create-account", {"account_id": account, "owner_name": "bench",
                                      "currency": "EUR"})
    read_frame(sock, buffer)
    latencies = []
    for _ in range(count):
        post("/commands/deposit", {"account_id": account, "amount": "1"})
        committed = time.perf_counter()
        read_frame(sock, buffer)
        latencies.append((time.perf_counter() - committed) * 1000)
    latencies.sort()
    at = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print("n=%d p50=%.1f ms p90=%.1f ms p99=%.1f ms max=%.1f ms"
          % (count, at(0.5), at(0.9), at(0.99), latencies[-1]))


if __name__ == "__main__":
    main()
