#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""verify_export.py — check a praxis export file against its network's genesis.

An independent checker, written from schema/ENTRIES.md alone (it shares no
code with praxis): it proves that the written specification is enough to
check an exported feed with a msgpack library, BLAKE2b and Ed25519.

    verify_export.py EXPORT_FILE GENESIS_JSON

It follows ENTRIES.md section 5: derive the network id from the genesis,
then read the items one by one and check the framing, the canonical header,
the network id, the body against body_len and body_hash, the seq/prev chain
and timestamps, and the signature, computing every id. Membership is not
checked (an export alone does not establish it).

Exit status: 0 every item checks out; 1 the first bad item (or a fork) is
named on stderr; 2 usage, unreadable input or missing Python modules.
Needs Debian's python3-msgpack and python3-nacl (hence /usr/bin/python3).

Layout: constants; the canonical header encoder (section 3.1); genesis and
network id (section 2); the item reader (section 4); the per-item checks
(section 5); main.
"""

import hashlib
import json
import re
import sys

try:
    import msgpack
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey
except ImportError as exc:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "verify_export.py: %s. It needs Debian's python3-msgpack and python3-nacl "
        "(apt-get install -y python3-msgpack python3-nacl) and must run with "
        "/usr/bin/python3.\n" % exc)
    sys.exit(2)

PROG = "verify_export.py"
ENTRY_CONTEXT = b"praxis-entry-v1"
NETWORK_CONTEXT = b"praxis-network-v1"
FORMAT = 1
HEADER_MAX = 256
BODY_MAX = 131072
SIG_LEN = 64
KIND_RE = re.compile(rb"\A[a-z0-9_-]{1,32}\Z")
HEX64_RE = re.compile(r"\A[0-9a-fA-F]{64}\Z")
U64_MAX = 2**64 - 1


class Bad(Exception):
    """The first problem found; names the item when there is one."""


def blake2b256(*parts):
    h = hashlib.blake2b(digest_size=32)
    for p in parts:
        h.update(p)
    return h.digest()


def short(b):
    return b.hex()[:16] + "…"


# --- canonical encoding (ENTRIES.md 3.1, 3.2, 2.2) ---------------------------

def enc_uint(v):
    if v < 0 or v > U64_MAX:
        raise ValueError("integer out of range")
    if v <= 0x7F:
        return bytes([v])
    if v <= 0xFF:
        return b"\xcc" + v.to_bytes(1, "big")
    if v <= 0xFFFF:
        return b"\xcd" + v.to_bytes(2, "big")
    if v <= 0xFFFFFFFF:
        return b"\xce" + v.to_bytes(4, "big")
    return b"\xcf" + v.to_bytes(8, "big")


def enc_bin32(b):
    assert len(b) == 32
    return b"\xc4\x20" + b


def enc_str(b):
    n = len(b)
    if n <= 31:
        return bytes([0xA0 | n]) + b
    if n <= 255:
        return b"\xd9" + bytes([n]) + b
    raise ValueError("string too long")


def encode_header(f):
    return (b"\x99" + enc_uint(f["format"]) + enc_bin32(f["network_id"]) +
            enc_bin32(f["author"]) + enc_uint(f["seq"]) +
            (b"\xc0" if f["prev"] is None else enc_bin32(f["prev"])) +
            enc_uint(f["timestamp_ms"]) + enc_str(f["kind"]) +
            enc_uint(f["body_len"]) + enc_bin32(f["body_hash"]))


# --- genesis (ENTRIES.md 2) --------------------------------------------------

def no_duplicate_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("key %r appears twice" % k)
        seen[k] = v
    return seen


def load_genesis(path):
    """Return (name, network_id) or raise Bad."""
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        raise OSError("cannot read %s: %s" % (path, exc.strerror))
    try:
        doc = json.loads(text.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Bad("%s: not a valid genesis document: %s" % (path, exc))
    if not isinstance(doc, dict):
        raise Bad("%s: a genesis document is a JSON object" % path)
    name = doc.get("name")
    if not isinstance(name, str):
        raise Bad("%s: field 'name' is missing or not a string" % path)
    name_b = name.encode("utf-8")
    if not 1 <= len(name_b) <= 64 or any(c < 0x20 or c == 0x7F for c in name_b):
        raise Bad("%s: field 'name' must be 1-64 bytes without control characters" % path)
    fields = {}
    for key in ("network_key", "root", "network_id"):
        v = doc.get(key)
        if v is None and key == "network_id":
            continue
        if not isinstance(v, str) or not HEX64_RE.match(v):
            raise Bad("%s: field '%s' must be 64 hex digits" % (path, key))
        fields[key] = bytes.fromhex(v)
    boot = doc.get("bootstrap", [])
    if not isinstance(boot, list) or len(boot) > 16 or not all(
            isinstance(a, str) and re.match(r"\A.+:([0-9]{1,5})\Z", a)
            and 1 <= int(a.rsplit(":", 1)[1]) <= 65535 for a in boot):
        raise Bad("%s: field 'bootstrap' must be a list of at most 16 HOST:PORT" % path)
    preimage = (b"\x94" + enc_str(NETWORK_CONTEXT) + enc_str(name_b) +
                enc_bin32(fields["network_key"]) + enc_bin32(fields["root"]))
    network_id = blake2b256(preimage)
    if "network_id" in fields and fields["network_id"] != network_id:
        raise Bad("%s: network_id does not match name, network_key and root "
                  "(derived %s)" % (path, network_id.hex()))
    return name, network_id


# --- reading items (ENTRIES.md 4) --------------------------------------------

def read_items(fh):
    """Yield (number, item) for each msgpack value of the file; raise Bad on
    bytes that are not msgpack and on a file that ends inside a value."""
    up = msgpack.Unpacker(raw=False, use_list=True, max_buffer_size=1 << 20,
                          max_bin_len=BODY_MAX, max_str_len=1024,
                          max_array_len=16, max_map_len=16, max_ext_len=0)
    n = 0
    total = 0
    end = 0  # offset just after the last complete item (tell() runs ahead
             # of it while an item is incomplete)
    while True:
        chunk = fh.read(65536)
        if chunk:
            try:
                up.feed(chunk)
            except msgpack.BufferFull:
                raise Bad("item %d is larger than any valid entry" % (n + 1))
            total += len(chunk)
        while True:
            try:
                item = next(up)
            except StopIteration:
                break
            except Exception as exc:  # any malformed msgpack
                raise Bad("item %d is not valid msgpack: %s" %
                          (n + 1, str(exc) or type(exc).__name__))
            n += 1
            end = up.tell()
            yield n, item
        if not chunk:
            break
    if end != total:
        raise Bad("item %d is truncated: the file ends inside it" % (n + 1))


# --- checking one item (ENTRIES.md 3, 5) -------------------------------------

def is_uint(v):
    return type(v) is int and 0 <= v <= U64_MAX


def is_bin32(v):
    return type(v) is bytes and len(v) == 32


def decode_header(h):
    """Return the header fields, or raise ValueError saying what is wrong."""
    if not 1 <= len(h) <= HEADER_MAX:
        raise ValueError("header is %d bytes; it must be 1-%d" % (len(h), HEADER_MAX))
    try:
        v = msgpack.unpackb(h, raw=False, use_list=True, max_bin_len=HEADER_MAX,
                            max_str_len=HEADER_MAX, max_array_len=16, max_map_len=16,
                            max_ext_len=0)
    except Exception as exc:
        raise ValueError("header is not exactly one msgpack value: %s" %
                         (str(exc) or type(exc).__name__))
    if type(v) is not list or len(v) != 9:
        raise ValueError("header is not an array of 9 elements")
    names = ("format", "network_id", "author", "seq", "prev", "timestamp_ms", "kind",
             "body_len", "body_hash")
    f = dict(zip(names, v))
    if not is_uint(f["format"]) or f["format"] != FORMAT:
        raise ValueError("format is %r, not 1" % (f["format"],))
    for k in ("network_id", "author", "body_hash"):
        if not is_bin32(f[k]):
            raise ValueError("%s is not a bin of 32 bytes" % k)
    for k in ("seq", "timestamp_ms", "body_len"):
        if not is_uint(f[k]):
            raise ValueError("%s is not an unsigned integer" % k)
    if f["seq"] < 1:
        raise ValueError("seq is 0; feeds start at 1")
    if f["prev"] is not None and not is_bin32(f["prev"]):
        raise ValueError("prev is neither nil nor a bin of 32 bytes")
    if (f["prev"] is None) != (f["seq"] == 1):
        raise ValueError("prev must be nil exactly when seq is 1")
    if type(f["kind"]) is not str:
        raise ValueError("kind is not a str")
    f["kind"] = f["kind"].encode("utf-8")
    if not KIND_RE.match(f["kind"]):
        raise ValueError("kind %r is not 1-32 bytes of [a-z0-9_-]" % f["kind"].decode())
    if f["body_len"] > BODY_MAX:
        raise ValueError("body_len %d is over the limit of %d" % (f["body_len"], BODY_MAX))
    if encode_header(f) != h:
        raise ValueError("header is not in canonical (shortest-form) msgpack encoding")
    return f


def body_is_map(b):
    """Whether a body is a msgpack map with string keys (else it is flagged)."""
    try:
        v = msgpack.unpackb(b, raw=False, strict_map_key=False)
    except Exception:
        return False
    return type(v) is dict and all(type(k) is str for k in v)


class Feed:
    def __init__(self):
        self.ids = []          # ids[seq - 1]
        self.timestamp = 0
        self.purged = 0


def check_item(n, item, network_id, feeds, stats):
    if type(item) is not list or len(item) != 3:
        raise Bad("item %d is not an array of 3 elements [header, signature, body]" % n)
    h, sig, body = item
    if type(h) is not bytes:
        raise Bad("item %d: the header is not a bin" % n)
    if type(sig) is not bytes or len(sig) != SIG_LEN:
        raise Bad("item %d: the signature is not a bin of 64 bytes" % n)
    if body is not None and type(body) is not bytes:
        raise Bad("item %d: the body is neither a bin nor nil" % n)
    try:
        f = decode_header(h)
    except ValueError as exc:
        raise Bad("item %d: %s" % (n, exc))
    who = "item %d (seq %d of feed %s)" % (n, f["seq"], short(f["author"]))
    if f["network_id"] != network_id:
        raise Bad("%s: signed for another network (%s)" % (who, f["network_id"].hex()))
    if body is not None:
        if len(body) > BODY_MAX:
            raise Bad("%s: the body is over %d bytes" % (who, BODY_MAX))
        if len(body) != f["body_len"]:
            raise Bad("%s: the body is %d bytes but body_len says %d" %
                      (who, len(body), f["body_len"]))
        if blake2b256(body) != f["body_hash"]:
            raise Bad("%s: the body does not match body_hash" % who)
    entry_id = blake2b256(h, sig)
    message = ENTRY_CONTEXT + h

    def signature_ok():
        try:
            VerifyKey(f["author"]).verify(message, sig)
            return True
        except (BadSignatureError, ValueError, TypeError):
            return False

    feed = feeds.get(f["author"])
    seq = f["seq"]
    if feed is None:
        if seq != 1:
            raise Bad("%s: the feed's first item must be seq 1" % who)
    elif seq <= len(feed.ids):
        if feed.ids[seq - 1] == entry_id:
            stats["duplicates"] += 1
            return
        if not signature_ok():
            raise Bad("%s: the signature does not verify" % who)
        raise Bad("%s: fork: a second validly signed entry for this seq (id %s; the first "
                  "is %s); the feed is frozen" % (who, entry_id.hex(), feed.ids[seq - 1].hex()))
    else:
        if seq != len(feed.ids) + 1:
            raise Bad("%s: does not follow seq %d (a gap)" % (who, len(feed.ids)))
        if f["prev"] != feed.ids[-1]:
            raise Bad("%s: prev is not the id of seq %d" % (who, seq - 1))
        if f["timestamp_ms"] < feed.timestamp:
            raise Bad("%s: timestamp %d is before its predecessor's %d" %
                      (who, f["timestamp_ms"], feed.timestamp))
    if not signature_ok():
        raise Bad("%s: the signature does not verify" % who)
    if feed is None:
        feed = feeds[f["author"]] = Feed()
    feed.ids.append(entry_id)
    feed.timestamp = f["timestamp_ms"]
    stats["entries"] += 1
    if body is None:
        feed.purged += 1
        stats["purged"] += 1
    elif not body_is_map(body):
        stats["flagged"] += 1


def summary(path, name, network_id, feeds, stats, items):
    print("network  %s  %s" % (name, network_id.hex()))
    print("file     %s" % path)
    print("items    %d good: %d entries in %d feed(s), %d duplicates; %d purged bodies, "
          "%d bodies not a map with string keys (kept, flagged)" %
          (items, stats["entries"], len(feeds), stats["duplicates"], stats["purged"],
           stats["flagged"]))
    for author in sorted(feeds):
        fd = feeds[author]
        print("feed     %s  seq 1..%d  head %s  purged %d" %
              (author.hex(), len(fd.ids), fd.ids[-1].hex(), fd.purged))


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: %s EXPORT_FILE GENESIS_JSON\n" % PROG)
        return 2
    export_path, genesis_path = argv[1], argv[2]
    feeds, stats, items = {}, dict(entries=0, purged=0, duplicates=0, flagged=0), 0
    try:
        name, network_id = load_genesis(genesis_path)
    except OSError as exc:
        sys.stderr.write("%s: %s\n" % (PROG, exc))
        return 2
    except Bad as exc:
        sys.stderr.write("%s: %s\n" % (PROG, exc))
        return 1
    try:
        fh = open(export_path, "rb")
    except OSError as exc:
        sys.stderr.write("%s: cannot read %s: %s\n" % (PROG, export_path, exc.strerror))
        return 2
    try:
        with fh:
            for n, item in read_items(fh):
                check_item(n, item, network_id, feeds, stats)
                items = n
    except OSError as exc:
        sys.stderr.write("%s: read error in %s: %s\n" % (PROG, export_path, exc))
        return 2
    except Bad as exc:
        summary(export_path, name, network_id, feeds, stats, items)
        sys.stderr.write("%s: %s: BAD %s\n" % (PROG, export_path, exc))
        return 1
    summary(export_path, name, network_id, feeds, stats, items)
    print("OK       every entry checks out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
