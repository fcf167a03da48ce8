#!/usr/bin/env python3
"""Fernet interoperability: kluis and Python's cryptography, both directions.

Usage: fernet_interop.py PATH_TO_kluis

Tokens made by `kluis fernet encrypt` open in cryptography.fernet and the other way round
(several message sizes, empty and binary included); MultiFernet rotation in both directions keeps
the token's time; TTL and clock-skew decisions agree; a token under another key is refused by
both. Prints TAP.

`python3` on PATH may be an interpreter without Debian's python3-cryptography (pyenv): the script
then runs itself again with /usr/bin/python3, and skips only when no interpreter has it.
"""
import os
import subprocess
import sys
import tempfile
import time

REEXEC_MARK = "KLUIS_INTEROP_REEXEC"

try:
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet
except ImportError:
    system = "/usr/bin/python3"
    if (os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system)
            and not os.environ.get(REEXEC_MARK)):
        os.environ[REEXEC_MARK] = "1"
        os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])
    print("1..0 # SKIP python3-cryptography missing")
    sys.exit(0)

if len(sys.argv) != 2:
    sys.stderr.write("usage: fernet_interop.py PATH_TO_kluis\n")
    sys.exit(2)
KLUIS = sys.argv[1]
T0 = 1795000000  # 2026-11-19T09:46:40Z

results = []


def check(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def kluis(args, data=b"", now=None):
    cmd = [KLUIS, "fernet"] + args
    if now is not None:
        cmd += ["--now", rfc3339(now)]
    env = dict(os.environ)
    env.pop("KLUIS_NOW", None)
    p = subprocess.run(cmd, input=data, capture_output=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def key_file(*keys):
    f = tempfile.NamedTemporaryFile("wb", delete=False, dir=TMP, suffix=".keys")
    f.write(b"".join(k + b"\n" for k in keys))
    f.close()
    return f.name


TMP = tempfile.mkdtemp(prefix="kluis-interop-")
try:
    k1 = Fernet.generate_key()
    k2 = Fernet.generate_key()
    f1, f2 = Fernet(k1), Fernet(k2)
    kf1, kf2 = key_file(k1), key_file(k2)

    msgs = [
        ("empty", b""),
        ("1 byte", b"a"),
        ("15 bytes", b"x" * 15),
        ("16 bytes", b"y" * 16),
        ("17 bytes", b"z" * 17),
        ("200 bytes", bytes(range(200))),
        ("binary with NUL and newlines", b"\x00\n\r\n\xff" * 50 + b"\n"),
        ("64 KiB random", os.urandom(65536)),
    ]

    # kluis -> Python
    for name, m in msgs:
        rc, out, err = kluis(["encrypt", "--key-file", kf1], m, now=T0)
        tok = out.rstrip(b"\n")
        try:
            ok = rc == 0 and f1.decrypt(tok) == m and f1.extract_timestamp(tok) == T0
        except InvalidToken:
            ok = False
        check(ok, "kluis encrypt -> Python decrypt: %s" % name, err)

    # Python -> kluis
    for name, m in msgs:
        tok = f1.encrypt_at_time(m, T0)
        rc, out, err = kluis(["decrypt", "--key-file", kf1], tok + b"\n", now=T0 + 1)
        check(rc == 0 and out == m, "Python encrypt -> kluis decrypt: %s" % name, err)

    # Keys in both directions.
    rc, out, err = kluis(["keygen"])
    kk = out.rstrip(b"\n")
    try:
        fk = Fernet(kk)
        ok = rc == 0 and len(kk) == 44
    except ValueError:
        ok = False
    check(ok, "kluis keygen makes a key Python takes", err)
    if ok:
        rc, out, err = kluis(["decrypt", "--key-file", key_file(kk)],
                             fk.encrypt_at_time(b"k", T0), now=T0)
        check(rc == 0 and out == b"k", "a token under a kluis key opens in kluis", err)

    # MultiFernet rotation, Python -> kluis: a Python token under the old key, rotated by kluis
    # with [new, old], opens in Python under the new key alone with its original time.
    old_tok = f1.encrypt_at_time(b"refresh-token-v1", T0)
    kf21 = key_file(k2, k1)
    rc, out, err = kluis(["rotate", "--key-file", kf21], old_tok + b"\n" + old_tok + b"\n",
                         now=T0 + 86400 * 400)
    lines = out.split(b"\n")
    try:
        ok = (rc == 0 and len(lines) == 3 and lines[2] == b"" and lines[0] != lines[1]
              and all(f2.decrypt(t) == b"refresh-token-v1" for t in lines[:2])
              and all(f2.extract_timestamp(t) == T0 for t in lines[:2]))
    except InvalidToken:
        ok = False
    check(ok, "kluis rotate -> Python: new key opens it, original time kept", err)
    try:
        f1.decrypt(lines[0])
        ok = False
    except InvalidToken:
        ok = True
    check(ok, "kluis-rotated token no longer opens under the old key in Python")

    # Rotation, kluis -> Python: a kluis token under the old key, rotated by Python's
    # MultiFernet([new, old]), opens in kluis under the new key alone, as old as it was.
    rc, out, err = kluis(["encrypt", "--key-file", kf1], b"calendar-token", now=T0)
    rotated = MultiFernet([f2, f1]).rotate(out.rstrip(b"\n"))
    rc1, out1, err1 = kluis(["decrypt", "--key-file", kf2, "--ttl", "100"], rotated, now=T0 + 100)
    rc2, _, err2 = kluis(["decrypt", "--key-file", kf2, "--ttl", "99"], rotated, now=T0 + 100)
    check(rc == 0 and rc1 == 0 and out1 == b"calendar-token" and rc2 == 1,
          "Python rotate -> kluis: new key opens it, original time kept", err + err1 + err2)
    rc, _, err = kluis(["decrypt", "--key-file", kf1], rotated, now=T0 + 100)
    check(rc == 1, "Python-rotated token refused by kluis under the old key", err)

    # TTL and clock skew: the same decision on the same token, ttl and clock.
    tok = f1.encrypt_at_time(b"ttl", T0)
    agree = True
    diag = []
    for ttl in (0, 1, 60, 3600):
        for d in (-3600, -61, -60, -1, 0, 1, ttl - 1, ttl, ttl + 1, 10**6):
            try:
                f1.decrypt_at_time(tok, ttl, T0 + d)
                py = True
            except InvalidToken:
                py = False
            rc, out, err = kluis(["decrypt", "--key-file", kf1, "--ttl", str(ttl)], tok,
                                 now=T0 + d)
            if (rc == 0) != py or (rc not in (0, 1)):
                agree = False
                diag.append("ttl=%d now=T0%+d: python %s, kluis rc %d" % (ttl, d, py, rc))
    check(agree, "TTL and clock-skew decisions agree (ttl 0/1/60/3600, now around the edges)",
          "; ".join(diag))

    # Without a ttl, Python has no clock-skew rule; kluis keeps it (docs/crypto.md).
    rc, _, err = kluis(["decrypt", "--key-file", kf1], tok, now=T0 - 61)
    check(rc == 1 and f1.decrypt(tok) == b"ttl",
          "no ttl: kluis still refuses a token more than 60 s ahead (documented difference)", err)

    # A token under another key: refused by both.
    other = f2.encrypt_at_time(b"secret", T0)
    rc, out, err = kluis(["decrypt", "--key-file", kf1], other, now=T0)
    try:
        f1.decrypt(other)
        py_refused = False
    except InvalidToken:
        py_refused = True
    check(rc == 1 and out == b"" and py_refused, "a token from another key is refused by both",
          err)
    rc, out, err = kluis(["decrypt", "--key-file", kf2], tok, now=T0)
    check(rc == 1 and out == b"", "a Python token under another key is refused by kluis", err)

    # Base64 strictness: Python accepts a token with text after the padding, kluis does not.
    padded = f1.encrypt_at_time(b"hello", T0)
    while not padded.endswith(b"="):
        padded = f1.encrypt_at_time(b"hello", T0)
    decorated = padded + b"trailingdata"
    rc, _, err = kluis(["decrypt", "--key-file", kf1], decorated, now=T0)
    try:
        py_ok = f1.decrypt(decorated) == b"hello"
    except InvalidToken:
        py_ok = False
    check(rc == 1 and py_ok,
          "non-canonical base64: Python accepts, kluis refuses (documented difference)", err)
finally:
    for name in os.listdir(TMP):
        os.unlink(os.path.join(TMP, name))
    os.rmdir(TMP)

print("1..%d" % len(results))
failed = 0
for i, (ok, name, diag) in enumerate(results, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, name))
    if not ok:
        failed += 1
        for line in diag.strip().splitlines():
            print("# " + line)
sys.exit(1 if failed else 0)
