#!/usr/bin/python3
"""Uploads a file as an HTTP request body (sendfile; raw, or as the file of a multipart form) to a
unix socket or a loopback port, and prints: seconds_until_sent seconds_until_answered status.

"Sent" is when the last byte left (the receiver read all but what the kernel buffers); "answered"
when the status line of the answer arrived. An engine answers a build's head before it has the
context, so for it "sent" is the upload's time; Wharf answers when the engine has the whole upload.
Bounded by --seconds. Used by deploy/bench/run.sh jobs.
Usage: upload.py (--unix PATH | --port P) --path PATH --file F [--header 'Name: value']... [--multipart FIELD]
"""
import argparse
import os
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix")
    parser.add_argument("--port", type=int)
    parser.add_argument("--path", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--multipart")
    parser.add_argument("--seconds", type=float, default=300)
    options = parser.parse_args()

    size = os.path.getsize(options.file)
    boundary = "----wharfBenchBoundary7MA4YWxkTrZu0gW"
    preamble = epilogue = b""
    content_type = "application/x-tar"
    if options.multipart:
        preamble = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{options.multipart}\"; filename=\"context.tar\"\r\n"
                    "Content-Type: application/x-tar\r\n\r\n").encode()
        epilogue = f"\r\n--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    headers = [f"POST {options.path} HTTP/1.1", "Host: localhost", f"Content-Type: {content_type}",
               f"Content-Length: {len(preamble) + size + len(epilogue)}", "Connection: close"] + options.header
    if options.unix:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(options.unix)
    else:
        connection = socket.create_connection(("127.0.0.1", options.port))
    connection.settimeout(options.seconds)
    start = time.monotonic()
    connection.sendall(("\r\n".join(headers) + "\r\n\r\n").encode() + preamble)
    with open(options.file, "rb") as body:
        connection.sendfile(body)
    connection.sendall(epilogue)
    sent = time.monotonic() - start
    answer = b""
    while b"\r\n" not in answer:
        piece = connection.recv(4096)
        if not piece:
            break
        answer += piece
    answered = time.monotonic() - start
    status = answer.split(b" ", 2)[1].decode() if answer.count(b" ") >= 2 else "none"
    # Read the rest (a build's output) to the end, so the other side finishes cleanly.
    while True:
        try:
            if not connection.recv(65536):
                break
        except socket.timeout:
            break
    connection.close()
    print(f"{sent:.3f} {answered:.3f} {status}")


if __name__ == "__main__":
    sys.exit(main())
