"""The stored snapshot's SHA-256 and etcd trailer are checked while streaming."""

import hashlib
import tracemalloc

import pytest

from hcp_dr.domain.snapshot_integrity import verify_snapshot_stream
from hcp_dr.errors import SnapshotCorrupted


def _snapshot(pages: int = 8) -> bytes:
    db = bytearray(b"\0" * (512 * pages))
    db[16:20] = (0xED0CDAED).to_bytes(4, "little")
    db[100:110] = b"etcd-bytes"
    return bytes(db) + hashlib.sha256(db).digest()


def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize("chunk", [1, 7, 31, 32, 33, 512, 1 << 20])
def test_valid_snapshot_passes_for_any_chunking(chunk):
    data = _snapshot()
    result = verify_snapshot_stream(_chunks(data, chunk), hashlib.sha256(data).hexdigest(),
                                    len(data))
    assert result.trailer_valid and result.size_bytes == len(data)


def test_flipped_byte_with_matching_recorded_sha_fails_the_trailer():
    data = bytearray(_snapshot())
    data[200] ^= 0xFF
    with pytest.raises(SnapshotCorrupted, match="trailer"):
        verify_snapshot_stream(_chunks(bytes(data), 64), hashlib.sha256(data).hexdigest(),
                               len(data))


def test_bytes_differing_from_what_the_pod_measured_fail():
    data = _snapshot()
    recorded = hashlib.sha256(data).hexdigest()
    changed = bytearray(data)
    changed[300] ^= 1
    with pytest.raises(SnapshotCorrupted, match="differs"):
        verify_snapshot_stream(_chunks(bytes(changed), 100), recorded, len(data))


def test_truncated_file_fails():
    data = _snapshot()[:-10]
    with pytest.raises(SnapshotCorrupted):
        verify_snapshot_stream(_chunks(data, 100), hashlib.sha256(data).hexdigest(), len(data))


def test_not_a_bbolt_file_fails():
    body = b"x" * 1024
    data = body + hashlib.sha256(body).digest()
    with pytest.raises(SnapshotCorrupted, match="bbolt"):
        verify_snapshot_stream([data], hashlib.sha256(data).hexdigest(), len(data))


def test_memory_stays_flat_with_size():
    """Peak traced memory for 4 MiB and 32 MiB streams is about the chunk size, not the file."""
    def peak(pages: int) -> int:
        db = bytearray(512 * pages)
        db[16:20] = (0xED0CDAED).to_bytes(4, "little")
        digest = hashlib.sha256(db).digest()
        whole = hashlib.sha256(db)
        whole.update(digest)
        chunk = bytes(1 << 20)

        def stream():
            for i in range(0, len(db), len(chunk)):
                yield bytes(db[i:i + len(chunk)])
            yield digest

        tracemalloc.start()
        verify_snapshot_stream(stream(), whole.hexdigest(), len(db) + 32)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(8 * 1024), peak(64 * 1024)
    assert large < small * 1.5 + (1 << 20)
