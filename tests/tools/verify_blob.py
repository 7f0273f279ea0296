#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""verify_blob.py — an independent implementation of schema/BLOBS.md, in the
Python standard library only (it shares no code with praxis).

  verify_blob.py FILE            print FILE's blob id
  verify_blob.py FILE --manifest print its manifest in hex
  verify_blob.py --check-manifest HEX ID
                                 exit 0 if the manifest bytes HEX are canonical
                                 (BLOBS.md section 4, steps 1-7) and hash to ID
"""
import hashlib
import sys

CHUNK = 65536
LIMIT = 64 * 1024 * 1024


def h(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def uint(v):
    if v <= 0x7F:
        return bytes([v])
    for tag, n in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
        if v < 1 << (8 * n):
            return bytes([tag]) + v.to_bytes(n, "big")
    raise ValueError("too big")


def array_header(n):
    if n <= 15:
        return bytes([0x90 | n])
    if n <= 0xFFFF:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def manifest_of_file(path):
    hashes, size = [], 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            hashes.append(h(chunk))
            size += len(chunk)
    out = b"\x93" + uint(size) + uint(CHUNK) + array_header(len(hashes))
    return out + b"".join(b"\xc4\x20" + x for x in hashes)


def check_manifest(m, want_id):
    """Decode independently: parse, then re-encode canonically and compare."""
    if not m or m[0] != 0x93:
        return "not an array of 3"
    pos = 1

    def get_uint():
        nonlocal pos
        t = m[pos]
        pos += 1
        if t <= 0x7F:
            return t
        n = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}.get(t)
        if n is None or pos + n > len(m):
            raise ValueError("bad integer")
        v = int.from_bytes(m[pos:pos + n], "big")
        pos += n
        return v

    try:
        size = get_uint()
        csize = get_uint()
    except (ValueError, IndexError) as e:
        return str(e)
    if csize != CHUNK:
        return "chunk size is not 65536"
    if size > LIMIT:
        return "over the size limit"
    n = -(-size // CHUNK)
    rebuilt_head = b"\x93" + uint(size) + uint(CHUNK) + array_header(n)
    if m[:len(rebuilt_head)] != rebuilt_head:
        return "not in canonical form"
    body = m[len(rebuilt_head):]
    if len(body) != 34 * n or any(body[i * 34:i * 34 + 2] != b"\xc4\x20" for i in range(n)):
        return "hash list malformed"
    if h(m).hex() != want_id:
        return "does not hash to the id"
    return None


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "--check-manifest":
        err = check_manifest(bytes.fromhex(a[1]), a[2].lower())
        if err:
            print("manifest refused: " + err, file=sys.stderr)
            return 1
        return 0
    if len(a) in (1, 2) and (len(a) == 1 or a[1] == "--manifest"):
        m = manifest_of_file(a[0])
        print(m.hex() if len(a) == 2 else h(m).hex())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
