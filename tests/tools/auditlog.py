#!/usr/bin/env python3
"""Reads and edits a kluis store's audit log behind kluis's back, for the tamper tests.

The SQLite backend keeps the entries in chunks (docs/internals/store.md): a row of
audit_chunks per run of entries (first seq, count, time of the last entry, the leaf hashes, the
encoded entries) and a row of audit_tenants per tenant and chunk. This tool decodes every chunk
into a list of entries, applies one edit, and writes the list back as chunks — what an attacker
with write access to the file could do. It never goes through kluis.

    auditlog.py DB count [--pruned]     entries (with --pruned: those without a body)
    auditlog.py DB body SEQ             the body of entry SEQ
    auditlog.py DB replace SEQ OLD NEW  replace OLD by NEW in the body of entry SEQ
    auditlog.py DB delete SEQ           remove entry SEQ (the others keep their seq)
    auditlog.py DB truncate SEQ         remove entries SEQ and after
    auditlog.py DB swap A B             entries A and B change places
    auditlog.py DB set-leaf SEQ HEX     set the stored leaf hash of entry SEQ
    auditlog.py DB append TENANT AT BODY
                                        append an entry with the RFC 9162 leaf of BODY
    auditlog.py DB leaves               the leaf hashes in order, in hex, one per line
"""
import hashlib
import sqlite3
import struct
import sys

CHUNK_MAX = 256
F_TENANT, F_BODY = 1, 2


def decode(first, n, leaves, blob):
    out, p = [], 0
    for i in range(n):
        flags = blob[p]
        at = struct.unpack_from("<q", blob, p + 1)[0]
        p += 9
        tenant = body = None
        if flags & F_TENANT:
            tl = blob[p]
            tenant = bytes(blob[p + 1:p + 1 + tl]).decode()
            p += 1 + tl
        if flags & F_BODY:
            bl = struct.unpack_from("<I", blob, p)[0]
            body = bytes(blob[p + 4:p + 4 + bl])
            p += 4 + bl
        out.append({"seq": first + i, "leaf": bytes(leaves[32 * i:32 * i + 32]), "at": at,
                    "tenant": tenant, "body": body})
    if p != len(blob):
        raise ValueError("chunk %d: %d bytes left over" % (first, len(blob) - p))
    return out


def encode(e):
    b = bytes([(F_TENANT if e["tenant"] else 0) | (F_BODY if e["body"] is not None else 0)])
    b += struct.pack("<q", e["at"])
    if e["tenant"]:
        t = e["tenant"].encode()
        b += bytes([len(t)]) + t
    if e["body"] is not None:
        b += struct.pack("<I", len(e["body"])) + e["body"]
    return b


def read(db):
    entries = []
    for first, n, leaves, blob in db.execute(
            "SELECT first, n, leaves, entries FROM audit_chunks ORDER BY first"):
        entries += decode(first, n, leaves, blob)
    return entries


def write(db, entries):
    """Writes the entries back as chunks of consecutive seqs, at most CHUNK_MAX each."""
    db.execute("DELETE FROM audit_chunks")
    db.execute("DELETE FROM audit_tenants")
    run = []

    def flush():
        if not run:
            return
        first = run[0]["seq"]
        db.execute("INSERT INTO audit_chunks(first, n, last_at, leaves, entries) "
                   "VALUES(?, ?, ?, ?, ?)",
                   (first, len(run), run[-1]["at"], b"".join(e["leaf"] for e in run),
                    b"".join(encode(e) for e in run)))
        for t in {e["tenant"] for e in run if e["tenant"]}:
            db.execute("INSERT INTO audit_tenants(tenant, first) VALUES(?, ?)", (t, first))
        run.clear()

    for e in sorted(entries, key=lambda e: e["seq"]):
        if run and (e["seq"] != run[-1]["seq"] + 1 or len(run) == CHUNK_MAX):
            flush()
        run.append(e)
    flush()
    db.commit()


def entry(entries, seq):
    for e in entries:
        if e["seq"] == seq:
            return e
    sys.exit("auditlog.py: no entry %d" % seq)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    db = sqlite3.connect(argv[1])
    cmd, args = argv[2], argv[3:]
    entries = read(db)
    if cmd == "count":
        print(sum(1 for e in entries if e["body"] is None or not args))
        return
    if cmd == "body":
        sys.stdout.write(entry(entries, int(args[0]))["body"].decode() + "\n")
        return
    if cmd == "leaves":
        for e in entries:
            print(e["leaf"].hex())
        return
    if cmd == "replace":
        e = entry(entries, int(args[0]))
        new = e["body"].replace(args[1].encode(), args[2].encode())
        if new == e["body"]:
            sys.exit("auditlog.py: '%s' is not in entry %s" % (args[1], args[0]))
        e["body"] = new
    elif cmd == "delete":
        entries.remove(entry(entries, int(args[0])))
    elif cmd == "truncate":
        entries = [e for e in entries if e["seq"] < int(args[0])]
    elif cmd == "swap":
        a, b = entry(entries, int(args[0])), entry(entries, int(args[1]))
        a["seq"], b["seq"] = b["seq"], a["seq"]
    elif cmd == "set-leaf":
        entry(entries, int(args[0]))["leaf"] = bytes.fromhex(args[1])
    elif cmd == "append":
        body = args[2].encode()
        entries.append({"seq": entries[-1]["seq"] + 1 if entries else 0,
                        "leaf": hashlib.sha256(b"\0" + body).digest(), "at": int(args[1]),
                        "tenant": args[0] or None, "body": body})
    else:
        sys.exit("auditlog.py: unknown command '%s'\n%s" % (cmd, __doc__))
    write(db, entries)


if __name__ == "__main__":
    main(sys.argv)
