"""A gigabyte upload and a full upload disk against a real server (`qinglian serve`, PostgreSQL, Redis).

A 1 GB body is streamed over a socket, made as it is sent (nothing of it is ever written here): the server answers
413 after a few megabytes at most, its memory and data folder do not grow, and it goes on serving. The upload folder
is then a real 128 KB file system (tmpfs): an import whose checked rows need more than that is refused with 507 and
a clear message, no half-written file and no import row remain, and the server goes on serving.
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.scale.stack import Stack, wait_http

pytestmark = pytest.mark.scale

PORT = 8500
MB = 1024 * 1024

SETUP = """
from django.contrib.auth import get_user_model
from qinglian.accounts.services import token_create
from qinglian.orgs.models import Role
from qinglian.orgs.services import org_create, role_assign

root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
user = get_user_model().objects.create_user("inspector", "inspector@example.cn", "Lian-zheng-2026!")
role_assign(user=user, role=Role.objects.get(code="discipline_staff"), organisation=root, include_subtree=True,
            actor=None)
print(root.pk, token_create(user=user, name="scale")[1])
"""


def rss_kb(pid: int) -> int:
    """Resident memory of a server's process group (gunicorn's master and its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ProcessLookupError):
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def folder_bytes(path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _dirs, names in os.walk(path) for f in names)


def stream_post(path: str, size: int, headers: dict) -> tuple[int, bytes, int, float]:
    """POST a body of `size` zero bytes, generated while sending, until the server answers; returns (status, body,
    bytes sent, seconds)."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    boundary = uuid.uuid4().hex
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Length: {size}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nAccept-Language: en\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    )
    sock.sendall(head.encode())
    chunk = b"\0" * (64 * 1024)
    sent = 0
    answer = b""
    while sent < size:
        readable, _w, _x = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sent += sock.send(chunk[: size - sent])
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.settimeout(30)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:
                head_part, _sep, body = answer.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head_part.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and len(body) >= length[0]:
                    break
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer.partition(b"\r\n\r\n")[2], sent, time.monotonic() - started


def supplier_workbook(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["name", "business"])
    for n in range(1, rows + 1):
        sheet.append([f"恒信达{n}科技有限公司", f"办公用品{n}、" * 20])  # within the column's 200 characters
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def multipart(fields: dict, name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def health() -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/health", timeout=10) as response:
        return response.status


def test_a_gigabyte_upload_and_a_full_disk():
    with Stack("e2_uploads", redis_db=6) as stack:
        stack.manage("migrate", "--noinput")
        root_pk, token = stack.python(SETUP).split()
        media = stack.data_dir / "media"
        media.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(media)], capture_output=True)
        try:
            server = stack.server(PORT, wait=False)
            wait_http(f"http://127.0.0.1:{PORT}/api/v1/health", seconds=300)  # collectstatic first, on a busy CI host
            auth = {"Authorization": f"Bearer {token}"}
            before_rss, before_disk = rss_kb(server.pid), folder_bytes(stack.data_dir)

            # 1. A gigabyte, refused as it arrives.
            status, body, sent, seconds = stream_post("/api/v1/risks/supplier-imports", 1024 * MB, auth)
            assert status == 413, body
            assert json.loads(body)["error"]["code"] == "too_large"
            assert sent < 64 * MB and seconds < 10, (sent, seconds)
            status, body, sent, _s = stream_post("/risks/suppliers/import/", 1024 * MB, {})
            assert status == 413 and b"Nothing was saved" in body and sent < 64 * MB
            assert rss_kb(server.pid) - before_rss < 50 * 1024
            assert folder_bytes(stack.data_dir) - before_disk < MB
            assert health() == 200

            # 2. A full upload disk.
            if mounted.returncode != 0:
                pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
            data, content_type = multipart({"org_id": root_pk}, "suppliers.xlsx", supplier_workbook(8000))
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/api/v1/risks/supplier-imports",
                data=data,
                headers={**auth, "Content-Type": content_type, "Accept-Language": "en"},
            )
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    answer = response.read()[:2000]
                raise AssertionError(f"a file larger than the free space was accepted: {answer!r}")
            except urllib.error.HTTPError as error:
                assert error.code == 507
                assert json.loads(error.read())["error"] == {
                    "code": "storage_full",
                    "message": "The server's storage is full; nothing was saved. Tell your administrator.",
                }
            assert folder_bytes(media) == 0, os.listdir(media)
            count = stack.python("from qinglian.core.models import Job\nprint(Job.objects.count())")
            assert count.strip() == "0"
            assert health() == 200
            small, content_type = multipart({"org_id": root_pk}, "suppliers.xlsx", supplier_workbook(20))
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/api/v1/risks/supplier-imports",
                data=small,
                headers={**auth, "Content-Type": content_type},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 201  # what fits is still taken
        finally:
            for process in list(stack.processes):
                stack.stop(process)
            if mounted.returncode == 0:
                subprocess.run(["umount", "-l", str(media)], check=False)
