#!/usr/bin/env python3
"""Slow-client benchmark (issue 14): honest candidates load their page and upload a photo
in a loop while an attack runs, and the other way round; prints p50 / p99 of both.

Run by bench/slow.sh, which starts the server; standard library only.

The attack, all at once:
- IDLE idle sockets from 127.0.0.2, each opened again as soon as the server closes it;
- SLOWLORIS connections from 127.0.0.3 sending one header line per second, forever;
- STALLED uploads of one attacking candidate: 1 KiB of a 2 MB photo, then nothing,
  each sent again once the server cuts it off.
The honest candidates connect from 127.0.0.1.
"""

import asyncio
import json
import os
import sys
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1])
PHOTO = open(sys.argv[2], "rb").read()
SERVER_PID = sys.argv[3]
SECONDS = float(os.environ.get("SLOW_SECONDS", "40"))
IDLE = int(os.environ.get("SLOW_IDLE", "300"))
SLOWLORIS = int(os.environ.get("SLOW_SLOWLORIS", "50"))
STALLED = int(os.environ.get("SLOW_STALLED", "16"))
PASSWORD = "Shenhe2023ok"

# The demo's eligible candidates (ID number, initial password = email).
HONEST = [
    ("420106199607220417", "lixing@example.com"),
    ("420502199505300527", "liqiu@example.com"),
    ("420503199702140610", "lixue@example.com"),
    ("420504199009010718", "liqiang@example.com"),
]
ATTACKER = ("420502200203150215", "liming@example.com")


async def request(method, path, headers=None, body=b"", source=HOST):
    """One request on a new connection; returns (status, headers, body)."""
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=(source, 0))
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nConnection: close\r\n"
        head += f"Content-Length: {len(body)}\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    found = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found.setdefault(name.strip().lower(), []).append(value.strip())
    return status, found, rest


async def sign_in(id_number, email):
    """Signs in, replaces the initial password if needed; returns (cookie, csrf)."""
    for password in (PASSWORD, email):
        body = json.dumps({"account": id_number, "password": password}).encode()
        status, headers, rest = await request(
            "POST", "/api/v1/login", {"Content-Type": "application/json"}, body
        )
        if status == 200:
            break
    else:
        raise SystemExit(f"cannot sign in {id_number[:6]}…: {status}")
    cookie = next(c.split(";")[0] for c in headers["set-cookie"] if c.startswith("shenhe_session="))
    answer = json.loads(rest)
    csrf = answer["csrf_token"]
    if answer.get("must_change_password"):
        body = json.dumps({"current": email, "new": PASSWORD}).encode()
        status, _, _ = await request(
            "POST",
            "/api/v1/password",
            {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf},
            body,
        )
        assert status == 204, status
    return cookie, csrf


def multipart(photo):
    boundary = "benchboundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


async def honest(cookie, csrf, until, pages, uploads, errors):
    kind, body = multipart(PHOTO)
    auth = {"Cookie": cookie, "X-CSRF-Token": csrf}
    while time.monotonic() < until:
        started = time.monotonic()
        status, _, _ = await request("GET", "/", {"Cookie": cookie})
        if status == 200:
            pages.append(time.monotonic() - started)
        else:
            errors.append(f"page {status}")
        started = time.monotonic()
        status, _, rest = await request(
            "POST", "/api/v1/materials/id_card/images", {**auth, "Content-Type": kind}, body
        )
        if status == 201:
            uploads.append(time.monotonic() - started)
            image = json.loads(rest)["id"]
            await request("DELETE", f"/api/v1/images/{image}", auth)
        else:
            errors.append(f"upload {status}")
            await asyncio.sleep(1)


async def forever(attack):
    """Runs one attacker again and again, whatever the server does to it."""
    while True:
        try:
            await attack()
        except (OSError, asyncio.IncompleteReadError):
            pass
        await asyncio.sleep(0.2)


async def idle_socket():
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=("127.0.0.2", 0))
    await reader.read()  # until the server closes it
    writer.close()


async def slowloris():
    reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=("127.0.0.3", 0))
    writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n".encode())
    while not reader.at_eof():
        await asyncio.sleep(1)
        writer.write(b"X-Slow: 1\r\n")
        await writer.drain()
        try:
            await asyncio.wait_for(reader.read(1024), 0.01)
        except asyncio.TimeoutError:
            pass
    writer.close()


def stalled_upload(cookie, csrf):
    kind, _ = multipart(b"")
    size = 2 << 20

    async def attack():
        reader, writer = await asyncio.open_connection(HOST, PORT, local_addr=("127.0.0.4", 0))
        head = (
            f"POST /api/v1/materials/id_card/images HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {size}\r\n\r\n"
        )
        writer.write(head.encode() + b"--benchboundary\r\nContent-Disposition: form-data; "
                     b"name=\"file\"; filename=\"p.png\"\r\n\r\n" + b"\xab" * 1024)
        await writer.drain()
        await reader.read()  # the 408, or the close
        writer.close()

    return attack


def describe(errors):
    """The errors by kind, e.g. "(upload 503 × 8) "."""
    kinds = sorted(set(errors))
    return "".join(f"({k} × {errors.count(k)}) " for k in kinds)


def quantile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def phase(attacked, sessions, attacker):
    attackers = []
    if attacked:
        cookie, csrf = attacker
        attackers += [asyncio.create_task(forever(idle_socket)) for _ in range(IDLE)]
        attackers += [asyncio.create_task(forever(slowloris)) for _ in range(SLOWLORIS)]
        attack = stalled_upload(cookie, csrf)
        attackers += [asyncio.create_task(forever(attack)) for _ in range(STALLED)]
        await asyncio.sleep(3)  # let the attack take hold first
    pages, uploads, errors = [], [], []
    until = time.monotonic() + SECONDS
    descriptors = [0]

    async def count_descriptors():
        while time.monotonic() < until:
            descriptors[0] = max(descriptors[0], len(os.listdir(f"/proc/{SERVER_PID}/fd")))
            await asyncio.sleep(1)

    await asyncio.gather(
        count_descriptors(), *(honest(c, t, until, pages, uploads, errors) for c, t in sessions)
    )
    for task in attackers:
        task.cancel()
    await asyncio.sleep(0.5)
    name = f"attack: {IDLE} idle, {SLOWLORIS} slowloris, {STALLED} stalled uploads" if attacked else "no attack"
    print(
        f"| {name} | {len(pages)} | {quantile(pages, 0.5):.0f} | {quantile(pages, 0.99):.0f} "
        f"| {len(uploads)} | {quantile(uploads, 0.5):.0f} | {quantile(uploads, 0.99):.0f} "
        f"| {len(errors)} {describe(errors)}| {descriptors[0]} |",
        flush=True,
    )


async def main():
    print(f"\n{len(HONEST)} honest candidates, {SECONDS:.0f} s per row, photo {len(PHOTO) // 1024} KiB\n")
    print("| scenario | pages | page p50 ms | page p99 ms | uploads | upload p50 ms | upload p99 ms "
          "| errors | server fds (max) |")
    print("|---|---|---|---|---|---|---|---|---|")
    sessions = [await sign_in(*who) for who in HONEST]
    attacker = await sign_in(*ATTACKER)
    await phase(False, sessions, attacker)
    await phase(True, sessions, attacker)


asyncio.run(main())
