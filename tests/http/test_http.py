#!/usr/bin/env python3
"""End-to-end and security tests of kluis's HTTP JSON API (kluis serve), speaking TAP.

Usage: tests/http/test_http.py KLUIS_BINARY SOURCE_ROOT

Each group makes a fresh store in a temp dir, adds tenants and API keys with the CLI, starts
`kluis serve --listen 127.0.0.1:0` (the URL with the port it picked is its first stdout line),
drives it with python3-requests, curl and raw sockets, and stops it with SIGTERM (exit status 0
expected). The server is always killed in `finally`; every HTTP call has a timeout.

Groups:
  life      a subject's life: records in (single and batch), reads with a purpose, events, an
            access request opened, verified and fulfilled, exports (JSON, CSV), approvals of a
            draft by the key's principal, a purge on a fixed clock, the audit log verified
  security  authentication (none, wrong, revoked keys), roles, tenant isolation (404 with the
            same body as a nonexistent id), body limits (Content-Length, chunked), malformed
            JSON, content types, path traversal on the statement route, hanging headers, error
            bodies; /healthz and /metrics
  metrics   /metrics: live records by category and tenant, request deadlines
  framing   ambiguous framing and a missing Host answered in JSON; what libmicrohttpd answers
            itself (HTML), pinned as documented
  wording   errors in the API's words (members, parameters, routes), not the CLI's options
  ratelimit 429 with Retry-After per API key and per address for requests without a valid key
            (a low limit and a burst; nothing waits for a refill); the options and variables
  plain     plain HTTP refused off loopback unless --allow-plain-http
  logs      no personal data in the --log file or on stderr
  crash     SIGKILL during writes, then SIGTERM during writes: every acknowledged write is there
  shared    the store used by the CLI while the server runs (kluis apikey revoke, record put)
  shutdown  SIGTERM: stop accepting, finish what is in flight, do not wait for idle connections

KLUIS_KEEP=1 keeps the temp dirs (their paths are printed as # lines).
"""

import base64
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import requests

KLUIS = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else 'kluis'
ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else '.'
POLICY = os.path.join(ROOT, 'examples', '000-mail-assistant.yaml')
NOW = '2026-11-02T09:00:00Z'     # the fixed clock of every store and server
HTTP_TIMEOUT = 5                 # seconds, every HTTP call
CLI_TIMEOUT = 30                 # seconds, every CLI command
START_TIMEOUT = 10               # seconds for `kluis serve` to print its URL
STOP_TIMEOUT = 30                # seconds for `kluis serve` to exit on SIGTERM

# Personal data the tests write: none of it may reach a log.
ANNA = 'anna@mail.example'
ANNA_ACCOUNT = 'Anna de Vries IBAN NL91ABNA0417164300'
ANNA_SUPPORT = 'Vraag over factuur 2026-0042'
BEN = 'ben@mail.example'
BEN_ACCOUNT = 'Ben Bakker'

# What an error message must never show: engine or library internals, paths, file contents.
INTERNALS = re.compile(r'sqlite|SQL|constraint|errno|\.c:\d|/tmp/|/work/|/home/|/etc/|'
                       r'root:|Traceback|segfault|0x[0-9a-fA-F]{6,}|KLUIS_E[A-Z]+', re.IGNORECASE)
# What an error message of the API must not say: the command line's options and commands (the
# engine's messages are shared with the CLI; the server puts them in the API's words).
CLI_WORDS = re.compile(r'(^|[\s(])--[a-z]|\bkluis (request|approval|record|tenant|apikey|subject|'
                       r'consent|hold|audit|keys|purge|serve|event)\b')


# ---- TAP -----------------------------------------------------------------------------------------

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def point(self, good, name, diag=()):
        self.n += 1
        if not good:
            self.failed += 1
        print(f'{"ok" if good else "not ok"} {self.n} - {name}')
        if not good:
            for d in diag:
                for line in str(d).splitlines() or ['']:
                    print(f'# {line}')
        sys.stdout.flush()
        return good


TAP = Tap()


def check(good, name, *diag):
    return TAP.point(bool(good), name, diag)


def show(r):
    """A response, for a diagnostic."""
    if r is None:
        return 'no response'
    if isinstance(r, BaseException):
        return f'{type(r).__name__}: {r}'
    body = r.text if len(r.text) < 600 else r.text[:600] + '…'
    return f'{r.status_code} {r.headers.get("Content-Type")} {body}'


def error_shape_problem(r, status=None):
    """Why r is not a proper JSON error ({"error":{"code","message"}}, no internals), or None."""
    if isinstance(r, BaseException) or r is None:
        return show(r)
    if status is not None and r.status_code != status:
        return f'status {r.status_code}, expected {status}: {show(r)}'
    if r.status_code < 400:
        return f'status {r.status_code} is not an error: {show(r)}'
    if not (r.headers.get('Content-Type') or '').startswith('application/json'):
        return f'Content-Type {r.headers.get("Content-Type")!r}: {show(r)}'
    try:
        body = r.json()
    except ValueError:
        return f'not JSON: {show(r)}'
    if not (isinstance(body, dict) and list(body) == ['error'] and isinstance(body['error'], dict)
            and sorted(body['error']) == ['code', 'message']
            and all(isinstance(v, str) and v for v in body['error'].values())):
        return f'not {{"error":{{"code","message"}}}}: {show(r)}'
    if INTERNALS.search(body['error']['message']):
        return f'the message shows internals: {show(r)}'
    if CLI_WORDS.search(body['error']['message']):
        return f'the message speaks of the command line: {show(r)}'
    return None


def check_error(r, status, name, code=None):
    problem = error_shape_problem(r, status)
    if problem is None and code is not None and r.json()['error']['code'] != code:
        problem = f'code {r.json()["error"]["code"]!r}, expected {code!r}'
    return check(problem is None, name, problem or '')


def group(name, fn):
    """Runs one group; an exception in it is a failing point of its own."""
    try:
        fn()
    except Exception:  # noqa: BLE001 — the group's failure is a TAP point, not a crash
        check(False, f'{name}: the group ran to its end', traceback.format_exc())


# ---- A store and its server ----------------------------------------------------------------------

class Store:
    """A fresh store in a temp dir, with the CLI run on it."""

    def __init__(self, label):
        self.dir = tempfile.mkdtemp(prefix=f'kluis-http-{label}-')
        self.env = {k: v for k, v in os.environ.items() if not k.startswith('KLUIS_')}
        self.env.update(KLUIS_POLICY=POLICY, KLUIS_NOW=NOW, KLUIS_ACTOR='cli:test',
                        KLUIS_DB='sqlite:' + os.path.join(self.dir, 'store.db'))
        self.servers = []

    def cli(self, *args, now=None, ok=True):
        argv = [KLUIS, *args] + (['--now', now] if now else [])
        p = subprocess.run(argv, env=self.env, cwd=self.dir, capture_output=True, text=True,
                           timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
        if ok and p.returncode != 0:
            raise RuntimeError(f'{" ".join(args)}: exit {p.returncode}: {p.stderr.strip()}')
        return p

    def tenant(self, name, country='NL'):
        self.cli('tenant', 'add', name, '--country', country)

    def key(self, role, name, tenant=None):
        who = ['--tenant', tenant] if tenant else ['--operator']
        out = self.cli('apikey', 'create', *who, '--role', role, '--name', name).stdout.strip()
        if not re.fullmatch(r'[A-Za-z0-9_=-]{20,}', out):
            raise RuntimeError(f'apikey create printed {out!r}')
        return out

    def key_id(self, name):
        keys = json.loads(self.cli('apikey', 'list', '--all').stdout)
        return next(k['id'] for k in keys if k['name'] == name)

    def serve(self, *args, **kw):
        s = Server(self, args, **kw)
        self.servers.append(s)
        return s

    def close(self):
        for s in self.servers:
            s.kill()
        if os.environ.get('KLUIS_KEEP') == '1':
            print(f'# kept {self.dir}')
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def read_line(f, timeout):
    """The first line a process writes on the pipe f, within timeout seconds ('' if none)."""
    fd, buf, end = f.fileno(), b'', time.monotonic() + timeout
    while b'\n' not in buf:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    return buf.split(b'\n', 1)[0].decode(errors='replace')


class Server:
    """kluis serve on the store, started at once; self.url ends without '/'."""

    def __init__(self, store, args, listen='127.0.0.1:0', log=None):
        self.store = store
        self.stderr_path = os.path.join(store.dir, f'serve-{len(store.servers)}.stderr')
        argv = [KLUIS, 'serve', '--listen', listen, *args] + (['--log', log] if log else [])
        with open(self.stderr_path, 'wb') as err:
            self.p = subprocess.Popen(argv, env=store.env, cwd=store.dir, stdout=subprocess.PIPE,
                                      stderr=err, stdin=subprocess.DEVNULL)
        line = read_line(self.p.stdout, START_TIMEOUT)
        m = re.fullmatch(r'(https?)://([^/]+):(\d+)/', line)
        if not m:
            self.kill()
            raise RuntimeError(f'kluis serve printed {line!r}; stderr: {self.stderr()}')
        self.port = int(m.group(3))
        self.url = f'{m.group(1)}://127.0.0.1:{self.port}'

    def stderr(self):
        try:
            with open(self.stderr_path, encoding='utf-8', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def stop(self):
        """SIGTERM; (exit status, seconds it took); status None when it did not exit."""
        t = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = None
            self.kill()
        return rc, time.monotonic() - t

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(10)
        if self.p.stdout:
            self.p.stdout.close()


def call(method, url, key=None, body=None, data=None, headers=None, timeout=HTTP_TIMEOUT,
         **kw):
    """One request on a connection of its own, closed after the answer: an idle keep-alive
    connection would hold up the server's SIGTERM (see test_shutdown)."""
    h = {'Connection': 'close'}
    if key is not None:
        h['Authorization'] = 'Bearer ' + key
    if body is not None:
        data = json.dumps(body)
        h['Content-Type'] = 'application/json'
    h.update(headers or {})
    try:
        return requests.request(method, url, data=data, headers=h, timeout=timeout, **kw)
    except requests.RequestException as e:
        return e


def status(r):
    return None if isinstance(r, BaseException) or r is None else r.status_code


def jbody(r):
    try:
        return r.json()
    except (ValueError, AttributeError):
        return None


def raw_http(port, data, timeout=HTTP_TIMEOUT):
    """Sends raw bytes, reads until the server closes or goes quiet; the bytes it answered."""
    out = b''
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole request was sent (a 4xx)
        s.settimeout(1.5)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionError):
            pass
    return out


def endless_body_refused(port, key):
    """Streams a chunked body of 4 MiB (the limit is 1 MiB) without ending it: True when the
    server answers 413 or closes the connection meanwhile, False when it keeps reading and
    waits for an end that never comes."""
    with socket.create_connection(('127.0.0.1', port), timeout=HTTP_TIMEOUT) as s:
        s.sendall(b'POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
                  + key.encode() + b'\r\nContent-Type: application/json\r\n'
                  b'Transfer-Encoding: chunked\r\n\r\n')
        chunk = b'10000\r\n' + b'e' * 65536 + b'\r\n'
        try:
            for _ in range(64):
                s.sendall(chunk)
        except socket.timeout:
            pass                    # it stopped reading: did it answer or close?
        except OSError:
            return True             # closed or reset
        s.settimeout(2)
        try:
            answer = s.recv(4096)
        except socket.timeout:
            return False
        except OSError:
            return True
        return answer == b'' or answer.startswith(b'HTTP/1.1 413')


def curl(*args):
    """curl's (status, body) for one call; the status is 0 when curl failed."""
    p = subprocess.run(['curl', '-sS', '--max-time', str(HTTP_TIMEOUT), '-o', '-', '-w',
                        '\n%{http_code}', *args], capture_output=True, text=True,
                       timeout=HTTP_TIMEOUT + 5)
    body, _, code = p.stdout.rpartition('\n')
    return int(code or 0), body


def stopped(server, name):
    rc, took = server.stop()
    return check(rc == 0, f'{name}: SIGTERM, exit status 0',
                 f'exit status {rc} after {took:.1f} s', server.stderr()[-2000:])


# ---- 1. The life of a subject --------------------------------------------------------------------

def test_life():
    st = Store('life')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'webshop', tenant='acme')
        dpo = st.key('dpo', 'privacy-desk', tenant='acme')
        approver = st.key('approver', 'marieke', tenant='acme')
        tenant_admin = st.key('admin', 'acme-admin', tenant='acme')
        ops = st.key('admin', 'ops', tenant=None)
        # A record written a month before the server's clock: mail_metadata keeps 7 days.
        old = st.cli('record', 'put', '--tenant', 'acme', '--subject', 'old@mail.example',
                     '--category', 'mail_metadata', '--value', 'old thread',
                     now='2026-10-01T09:00:00Z').stdout.strip()
        srv = st.serve()
        u = srv.url + '/v1'

        # Records in: one, then a batch.
        r = call('POST', u + '/records', app,
                 {'subject': ANNA, 'category': 'account', 'value': ANNA_ACCOUNT})
        acc = jbody(r).get('id') if status(r) == 201 and jbody(r) else None
        check(isinstance(acc, int) and acc > 0, 'life: POST /v1/records stores a record (201, id)',
              show(r))
        r = call('POST', u + '/records/batch', app, {'records': [
            {'subject': ANNA, 'category': 'support', 'value': ANNA_SUPPORT},
            {'subject': BEN, 'category': 'account', 'value': BEN_ACCOUNT},
            {'subject': ANNA, 'category': 'usage_logs',
             'value_base64': base64.b64encode(b'\x00\xffbinary').decode()}]})
        ids = jbody(r).get('ids') if status(r) == 201 and jbody(r) else None
        check(isinstance(ids, list) and len(ids) == 3 and len(set(ids + [acc])) == 4,
              'life: POST /v1/records/batch stores three records (201, three new ids)', show(r))
        sup, ben, blob = ids if ids and len(ids) == 3 else (0, 0, 0)
        r = call('POST', u + '/records/batch', app, {'records': [
            {'subject': ANNA, 'category': 'support', 'value': 'ok'},
            {'subject': ANNA, 'category': 'no_such_category', 'value': 'x'}]})
        check(status(r) in (400, 422) and 'records[1]' in (r.text if status(r) else ''),
              'life: a batch with a bad record is refused and names records[1]', show(r))

        # Reads with a purpose.
        r = call('GET', f'{u}/records/{acc}', app, params={'purpose': 'service'})
        b = jbody(r) or {}
        check(status(r) == 200 and b.get('value') == ANNA_ACCOUNT and b.get('id') == acc
              and b.get('category') == 'account' and b.get('created') == NOW,
              'life: GET /v1/records/{id}?purpose=service returns the value', show(r))
        r = call('GET', f'{u}/records/{sup}', app, params={'purpose': 'support'})
        check(status(r) == 200 and (jbody(r) or {}).get('value') == ANNA_SUPPORT,
              'life: a batch record reads back for its purpose', show(r))
        r = call('GET', f'{u}/records/{blob}', app, params={'purpose': 'security'})
        b = jbody(r) or {}
        check(status(r) == 200 and b.get('value_base64') == base64.b64encode(
            b'\x00\xffbinary').decode() and 'value' not in b,
              'life: a binary value reads back as value_base64', show(r))
        r = call('GET', f'{u}/records/{acc}', app, params={'purpose': 'auto_draft'})
        check(error_shape_problem(r) is None and status(r) in (403, 422)
              and ANNA_ACCOUNT not in r.text,
              'life: a purpose that may not use the category is refused, without the value',
              show(r))
        r = call('GET', f'{u}/records/{acc}', app)
        check_error(r, 400, 'life: a read without ?purpose= is refused (400)')

        # Events.
        r = call('POST', u + '/events', app, {'name': 'subscription.ended', 'subject': ANNA})
        check(status(r) == 200 and (jbody(r) or {}).get('affected') == 1,
              'life: POST /v1/events subscription.ended affects Anna\'s account record', show(r))
        r = call('GET', f'{u}/records/{acc}', app, params={'purpose': 'service'})
        check(status(r) == 200 and isinstance((jbody(r) or {}).get('expires'), str),
              'life: after the event the record has an expiry', show(r))
        r = call('POST', u + '/events', app, {'name': 'no.such.event'})
        check(error_shape_problem(r) is None and status(r) in (400, 422),
              'life: an event the policy does not declare is refused', show(r))

        # An access request: open, verify, fulfil.
        r = call('POST', u + '/requests', dpo, {'subject': ANNA, 'type': 'access', 'lang': 'en'})
        req = (jbody(r) or {}).get('id') if status(r) == 201 else None
        check(isinstance(req, int), 'life: POST /v1/requests opens an access request (201, id)',
              show(r))
        r = call('POST', f'{u}/requests/{req}/fulfil', dpo, {})
        check(error_shape_problem(r) is None and status(r) == 422,
              'life: fulfilling an unverified request is refused (422)', show(r))
        r = call('POST', f'{u}/requests/{req}/verify', dpo, {'method': 'email_confirmation'})
        check(status(r) == 200 and (jbody(r) or {}).get('state') == 'verified',
              'life: POST /v1/requests/{id}/verify verifies it', show(r))
        r = call('POST', f'{u}/requests/{req}/fulfil', dpo)
        b = jbody(r) or {}
        answer = json.dumps(b.get('answer'))
        info = (b.get('answer') or {}).get('information') or {}
        check(status(r) == 200 and (b.get('answer') or {}).get('decision') == 'fulfilled'
              and ANNA_ACCOUNT in answer and ANNA_SUPPORT in answer
              and BEN_ACCOUNT not in answer,
              'life: fulfil answers with every record of Anna and none of Ben', show(r))
        check(info.get('article') == 'art. 15' and 'purposes' in info and info.get('held'),
              'life: the answer carries the art. 15 information', json.dumps(info)[:500])
        check(ANNA_SUPPORT in (b.get('records_csv') or ''),
              'life: the answer carries the records as CSV', show(r))
        r = call('GET', f'{u}/requests/{req}', dpo)
        check(status(r) == 200 and (jbody(r) or {}).get('state') == 'fulfilled',
              'life: GET /v1/requests/{id} shows it fulfilled', show(r))

        # Exports.
        r = call('POST', u + '/subjects/export', dpo, {'subject': ANNA})
        check(status(r) == 200 and r.headers.get('Content-Type', '').startswith(
            'application/json') and jbody(r) is not None and ANNA_ACCOUNT in r.text
              and ANNA_SUPPORT in r.text and BEN_ACCOUNT not in r.text,
              'life: POST /v1/subjects/export (JSON) has Anna\'s values only', show(r))
        r = call('POST', u + '/subjects/export', dpo, {'subject': ANNA, 'format': 'csv'})
        check(status(r) == 200 and r.headers.get('Content-Type', '').startswith('text/csv')
              and r.text.startswith('id,category,') and ANNA_SUPPORT in r.text
              and BEN_ACCOUNT not in r.text,
              'life: POST /v1/subjects/export (CSV) has Anna\'s values only', show(r))
        r = call('POST', u + '/subjects/export', dpo, {'subject': ANNA, 'format': 'xml'})
        check_error(r, 400, 'life: an export format other than json or csv is refused (400)')

        # Approvals: a draft waits for a person, who is the key's principal.
        r = call('POST', u + '/records', app,
                 {'subject': ANNA, 'category': 'drafts', 'value': 'Beste Anna'})
        check(error_shape_problem(r) is None and status(r) == 422 and 'link' in r.text,
              'life: a draft without a link is refused (422)', show(r))
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'drafts',
                                               'value': 'Beste Anna, dank voor je mail.',
                                               'links': {'draft': '17'}})
        draft = (jbody(r) or {}).get('id') if status(r) == 201 else None
        check(isinstance(draft, int), 'life: a draft with a link is stored (201)', show(r))
        r = call('GET', f'{u}/records/{draft}', app, params={'purpose': 'auto_draft'})
        check(error_shape_problem(r) is None and status(r) in (403, 422)
              and 'approval' in r.text and 'Beste Anna' not in r.text,
              'life: the draft is refused for auto_draft until approved', show(r))
        r = call('GET', u + '/approvals', approver)
        check(status(r) == 200 and any(x.get('id') == draft for x in jbody(r) or []),
              'life: GET /v1/approvals lists the draft', show(r))
        r = call('POST', f'{u}/approvals/{draft}/approve', approver, {'by': 'someone-else'})
        check_error(r, 400, 'life: an approval naming "by" in its body is refused (400)')
        r = call('POST', f'{u}/approvals/{draft}/approve', app)
        check_error(r, 403, 'life: an app key may not approve (403)')
        r = call('POST', f'{u}/approvals/{draft}/approve', approver)
        check(status(r) == 200 and jbody(r) == {'id': draft, 'decision': 'approved',
                                                'by': 'marieke'},
              'life: POST /v1/approvals/{id}/approve approves it as the key\'s principal',
              show(r))
        r = call('GET', f'{u}/records/{draft}', app, params={'purpose': 'auto_draft'})
        check(status(r) == 200
              and (jbody(r) or {}).get('value') == 'Beste Anna, dank voor je mail.',
              'life: the approved draft reads for auto_draft', show(r))
        r = call('POST', f'{u}/approvals/{draft}/skip', approver)
        check(error_shape_problem(r) is None and status(r) == 422,
              'life: a second decision on the draft is refused (422)', show(r))

        # Purge, on the server's fixed clock, with the operator's admin key.
        r = call('POST', u + '/purge', tenant_admin, {})
        check_error(r, 403, 'life: a tenant\'s admin key may not purge (403)')
        r = call('POST', u + '/purge', ops, {'dry_run': True})
        b = jbody(r) or {}
        check(status(r) == 200 and b.get('dry_run') is True and b.get('total') == 1,
              'life: a dry-run purge counts the expired record', show(r))
        r = call('POST', u + '/purge', ops, {})
        b = jbody(r) or {}
        check(status(r) == 200 and b.get('at') == NOW and b.get('total') == 1
              and b.get('counts') == [{'tenant': 'acme', 'category': 'mail_metadata',
                                       'removed': 1}],
              'life: POST /v1/purge removes the record that expired (counts, total)', show(r))
        r = call('POST', u + '/purge', ops)
        check(status(r) == 200 and (jbody(r) or {}).get('total') == 0,
              'life: a second purge removes nothing', show(r))
        r = call('GET', f'{u}/records/{old}', app, params={'purpose': 'delivery'})
        check_error(r, 404, 'life: the purged record is not found')

        # The audit log.
        r = call('GET', u + '/audit/verify', dpo)
        b = jbody(r) or {}
        check(status(r) == 200 and b.get('ok') is True and b.get('size', 0) > 10,
              'life: GET /v1/audit/verify is ok', show(r))
        stopped(srv, 'life')

        log = st.cli('audit', 'log').stdout
        approvals = [json.loads(line.split(' ', 1)[1]) for line in log.splitlines()
                     if '"approval.approve"' in line]
        check(len(approvals) == 1 and approvals[0].get('by') == 'marieke'
              and approvals[0].get('actor') == 'api:marieke'
              and approvals[0].get('record') == draft,
              'life: the audit log names the approver from the key (by, actor)',
              *[a for a in approvals] or [log[-1500:]])
        check('someone-else' not in log, 'life: the refused "by" never reached the audit log')
        purged = [line for line in log.splitlines() if '"action":"purge"' in line]
        check(any('"actor":"api:ops"' in line for line in purged),
              'life: the purge is audited with the operator\'s principal', log[-1500:])
        leaked = [v for v in (ANNA, ANNA_ACCOUNT, ANNA_SUPPORT, BEN, BEN_ACCOUNT, 'Beste Anna')
                  if v in log]
        check(not leaked, 'life: the audit log holds no value and no subject reference', leaked)
        p = st.cli('audit', 'verify', ok=False)
        check(p.returncode == 0 and p.stdout.startswith('ok:'),
              'life: kluis audit verify after the session', p.stdout, p.stderr)
    finally:
        st.close()


# ---- 2. Security ---------------------------------------------------------------------------------

def test_security():
    st = Store('security')
    try:
        st.tenant('acme', 'NL')
        st.tenant('bolt', 'BE')
        app = st.key('app', 'acme-app', tenant='acme')
        app2 = st.key('app', 'acme-app-2', tenant='acme')
        dpo = st.key('dpo', 'acme-dpo', tenant='acme')
        admin = st.key('admin', 'acme-admin', tenant='acme')
        approver = st.key('approver', 'acme-approver', tenant='acme')
        bolt_app = st.key('app', 'bolt-app', tenant='bolt')
        bolt_dpo = st.key('dpo', 'bolt-dpo', tenant='bolt')
        bolt_admin = st.key('admin', 'bolt-admin', tenant='bolt')
        bolt_approver = st.key('approver', 'bolt-approver', tenant='bolt')
        ops_dpo = st.key('dpo', 'ops-dpo', tenant=None)
        app2_id = st.key_id('acme-app-2')
        srv = st.serve()
        u = srv.url + '/v1'
        rec = {'subject': ANNA, 'category': 'account', 'value': ANNA_ACCOUNT}
        r = call('POST', u + '/records', app, rec)
        rid = (jbody(r) or {}).get('id')
        if not isinstance(rid, int):
            raise RuntimeError(f'cannot store a record: {show(r)}')

        # Authentication.
        r = call('GET', f'{u}/records/{rid}', params={'purpose': 'service'})
        check_error(r, 401, 'security: no key: 401 JSON error', 'unauthenticated')
        check(status(r) == 401 and r.headers.get('WWW-Authenticate', '').startswith('Bearer'),
              'security: a 401 says WWW-Authenticate: Bearer', show(r),
              dict(getattr(r, 'headers', {})))
        wrong = base64.urlsafe_b64encode(os.urandom(32)).decode()
        r = call('GET', f'{u}/records/{rid}', wrong, params={'purpose': 'service'})
        check_error(r, 401, 'security: a wrong key: 401', 'unauthenticated')
        check(status(r) == 401 and 'Bearer' in r.headers.get('WWW-Authenticate', ''),
              'security: a wrong key\'s 401 says WWW-Authenticate: Bearer', show(r))
        r = call('GET', f'{u}/records/{rid}', headers={
            'Authorization': 'Basic ' + base64.b64encode(b'acme:' + app.encode()).decode()},
                 params={'purpose': 'service'})
        check_error(r, 401, 'security: Basic credentials are not a key: 401')
        r = call('GET', f'{u}/records/{rid}', app[:-2], params={'purpose': 'service'})
        check_error(r, 401, 'security: a truncated key: 401')
        r = call('GET', f'{u}/records/{rid}', headers={'Authorization': 'bearer ' + app},
                 params={'purpose': 'service'})
        check(status(r) == 200,
              'security: the auth scheme is case-insensitive (RFC 9110 11.1): "bearer KEY" works',
              show(r))

        # Revocation through the API: another tenant's admin cannot, the tenant's own can.
        r = call('DELETE', f'{u}/apikeys/{app2_id}', bolt_admin)
        check_error(r, 404, 'security: another tenant\'s admin cannot revoke the key (404)')
        r = call('GET', f'{u}/records/{rid}', app2, params={'purpose': 'service'})
        check(status(r) == 200, 'security: ... and the key still works', show(r))
        r = call('GET', u + '/apikeys', bolt_admin)
        check(status(r) == 200 and all(k.get('tenant') == 'bolt' for k in jbody(r) or [None]),
              'security: GET /v1/apikeys lists only the tenant\'s own keys', show(r))
        r = call('DELETE', f'{u}/apikeys/{app2_id}', admin)
        check(status(r) == 200, 'security: DELETE /v1/apikeys/{id} with the tenant\'s admin key',
              show(r))
        r = call('GET', f'{u}/records/{rid}', app2, params={'purpose': 'service'})
        check_error(r, 401, 'security: the revoked key answers 401', 'unauthenticated')
        r = call('POST', u + '/apikeys', admin, {'role': 'admin', 'name': 'x', 'tenant': 'bolt'})
        check_error(r, 403, 'security: a tenant\'s admin cannot make keys of another tenant')

        # Tenant isolation: another tenant's record id is exactly a nonexistent id.
        r_other = call('GET', f'{u}/records/{rid}', bolt_app, params={'purpose': 'service'})
        check_error(r_other, 404, 'security: another tenant\'s key reading the record: 404')
        check(ANNA_ACCOUNT not in getattr(r_other, 'text', '') and
              'acme' not in getattr(r_other, 'text', ''),
              'security: ... without the value or the owner\'s name', show(r_other))
        r = call('GET', f'{u}/records/{rid + 1000}', bolt_app, params={'purpose': 'service'})
        same = (status(r) == 404 and status(r_other) == 404 and
                r.text.replace(str(rid + 1000), 'ID') == r_other.text.replace(str(rid), 'ID'))
        check(same, 'security: ... the same body as a nonexistent id (but the id)',
              show(r_other), show(r))
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'support',
                                               'value': 'to be deleted'})
        gone = (jbody(r) or {}).get('id')
        r = call('GET', f'{u}/records/{gone}', app, params={'purpose': 'support'})
        check(status(r) == 200, 'security: the owner reads a second record', show(r))
        r_before = call('GET', f'{u}/records/{gone}', bolt_app, params={'purpose': 'support'})
        r = call('DELETE', f'{u}/records/{gone}', app)
        check(status(r) == 200, 'security: the owner deletes a record (DELETE /v1/records/{id})',
              show(r))
        r_after = call('GET', f'{u}/records/{gone}', bolt_app, params={'purpose': 'support'})
        check(status(r_before) == 404 and status(r_after) == 404
              and r_before.text == r_after.text,
              'security: another tenant\'s record and the same id once deleted: the same 404 body, '
              'byte for byte', show(r_before), show(r_after))
        r = call('DELETE', f'{u}/records/{rid}', bolt_app)
        check_error(r, 404, 'security: another tenant\'s key cannot delete the record (404)')
        r = call('POST', u + '/subjects/export', bolt_dpo, {'subject': ANNA, 'tenant': 'acme'})
        check(status(r) == 200 and ANNA_ACCOUNT not in r.text,
              'security: a "tenant" in the body does not reach another tenant\'s data', show(r))
        r = call('GET', u + '/audit/entries', bolt_dpo)
        entries = (jbody(r) or {}).get('entries')
        check(status(r) == 200 and isinstance(entries, list) and not any(
            (e.get('entry') or {}).get('tenant') == 'acme' for e in entries),
              'security: GET /v1/audit/entries shows no entry of another tenant', show(r))
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'drafts',
                                               'value': 'Concept', 'links': {'draft': '9'}})
        draft = (jbody(r) or {}).get('id')
        r = call('POST', f'{u}/approvals/{draft}/approve', bolt_approver)
        check_error(r, 404, 'security: another tenant\'s approver cannot approve the draft (404)')
        r = call('GET', f'{u}/records/{draft}', app, params={'purpose': 'auto_draft'})
        check(status(r) in (403, 422), 'security: ... and the draft still waits', show(r))
        r = call('POST', u + '/requests', dpo, {'subject': ANNA, 'type': 'access'})
        req = (jbody(r) or {}).get('id')
        r = call('GET', f'{u}/requests/{req}', bolt_dpo)
        check_error(r, 404, 'security: another tenant\'s request is not found (404)')
        r = call('POST', f'{u}/requests/{req}/verify', bolt_dpo, {'method': 'in_person'})
        check_error(r, 404, 'security: another tenant cannot verify the request (404)')
        r = call('GET', f'{u}/records/{rid}', app, params={'purpose': 'service'})
        check(status(r) == 200 and jbody(r).get('value') == ANNA_ACCOUNT,
              'security: the owner still reads its record', show(r))

        # Roles.
        r = call('POST', u + '/requests', app, {'subject': ANNA, 'type': 'access'})
        check_error(r, 403, 'security: an app key on POST /v1/requests: 403', 'forbidden')
        r = call('POST', u + '/records', approver, rec)
        check_error(r, 403, 'security: an approver key on POST /v1/records: 403', 'forbidden')
        r = call('GET', f'{u}/records/{rid}', dpo, params={'purpose': 'service'})
        check_error(r, 403, 'security: a dpo key on GET /v1/records/{id}: 403', 'forbidden')
        r = call('POST', u + '/tenants', admin, {'tenant': 'evil'})
        check_error(r, 403, 'security: a tenant\'s admin key cannot add tenants (403)')
        r = call('POST', u + '/records', ops_dpo, rec)
        check_error(r, 403, 'security: an operator key on a tenant\'s route: 403')

        # Bodies: size, chunked, JSON, content type.
        big = json.dumps({**rec, 'value': 'x' * (1 << 20)})
        r = call('POST', u + '/records', app, data=big,
                 headers={'Content-Type': 'application/json'})
        check_error(r, 413, 'security: a body over 1 MiB (Content-Length): 413', 'too_big')

        def chunks():
            yield b'{"subject":"anna@mail.example","category":"account","value":"'
            for _ in range(20):
                yield b'y' * (1 << 16)
            yield b'"}'
        r = call('POST', u + '/records', app, data=chunks(),
                 headers={'Content-Type': 'application/json'})
        check_error(r, 413, 'security: a chunked body over 1 MiB (no Content-Length): 413',
                    'too_big')
        payload = b'{"subject":"a","category":"account","value":"' + b'z' * (1100 << 10) + b'"}'
        chunked = b''.join(b'%x\r\n%s\r\n' % (len(payload[i:i + 65536]), payload[i:i + 65536])
                           for i in range(0, len(payload), 65536)) + b'0\r\n\r\n'
        out = raw_http(srv.port, b'POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
                       + app.encode() + b'\r\nContent-Type: application/json\r\nContent-Length: 60'
                       b'\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + chunked)
        first = out.split(b'\r\n', 1)[0]
        check(first.startswith(b'HTTP/1.1 4') and b' 201 ' not in out,
              'security: a chunked body over 1 MiB with a lying Content-Length: refused (4xx)',
              out[:400])
        bigfile = os.path.join(st.dir, 'big.json')
        with open(bigfile, 'w') as f:
            f.write(big)
        code, body = curl('-X', 'POST', '-H', 'Authorization: Bearer ' + app, '-H',
                          'Content-Type: application/json', '--data-binary', '@' + bigfile,
                          u + '/records')
        check(code == 413 and '"too_big"' in body,
              'security: curl posting 1 MiB + 100 bytes (Expect: 100-continue): 413',
              f'{code} {body[:300]}')
        check(endless_body_refused(srv.port, app),
              'security: an endless chunked body is refused once past the limit, not drained',
              'no answer, and the connection still open, 2 s after 4 MiB of a chunked body')
        r = call('GET', srv.url + '/healthz')
        check(status(r) == 200, 'security: the server still answers after the big bodies',
              show(r))
        r = call('POST', u + '/records', app, data='{"subject": "a",\n "category": }',
                 headers={'Content-Type': 'application/json'})
        check_error(r, 400, 'security: malformed JSON: 400', 'malformed_json')
        msg = (jbody(r) or {}).get('error', {}).get('message', '')
        check('line 2' in msg and 'column' in msg,
              'security: ... the message says the line and column', show(r))
        for body, what in (('[1, 2]', 'a JSON array'), ('{"a":1,"a":2}', 'duplicate keys'),
                           ('"text"', 'a JSON string')):
            r = call('POST', u + '/records', app, data=body,
                     headers={'Content-Type': 'application/json'})
            check_error(r, 400, f'security: {what} as the body: 400')
        r = call('POST', u + '/records', app, data=json.dumps(rec),
                 headers={'Content-Type': 'text/plain'})
        check_error(r, 415, 'security: Content-Type text/plain: 415', 'unsupported_media_type')
        r = call('POST', u + '/records', app, data=json.dumps(rec).encode(),
                 headers={'Content-Type': ''})
        check_error(r, 415, 'security: a body without Content-Type: 415')
        r = call('POST', u + '/records', app, {'subject': 1, 'category': 'account'})
        check_error(r, 400, 'security: a subject that is not a string: 400', 'invalid')
        r = call('POST', u + '/records', app, {**rec, 'value_base64': 'QQ=='})
        check_error(r, 400, 'security: value and value_base64 together: 400', 'invalid')
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'account',
                                               'value_base64': 'not base64!'})
        check_error(r, 400, 'security: a value_base64 that is not base64: 400', 'invalid')

        # Path traversal on the statement route: 4xx, never a file.
        r = call('GET', u + '/statement', app, params={'lang': 'en', 'format': 'md'})
        check(status(r) == 200 and r.text.startswith('# Privacy statement'),
              'security: GET /v1/statement?lang=en&format=md renders the statement', show(r))
        for path in ('/v1/statement/../../etc/passwd', '/v1/statement?lang=../../etc/passwd',
                     '/v1/statement?format=../../../../etc/passwd',
                     '/v1/statement/%2e%2e/%2e%2e/etc/passwd',
                     '/v1/statement%2f..%2f..%2fetc%2fpasswd',
                     '/v1/statement?lang=%2e%2e%2f%2e%2e%2fetc%2fpasswd',
                     '/v1/statement/..%2f..%2f..%2fetc%2fpasswd', '/../../etc/passwd',
                     '/v1/%2e%2e/%2e%2e/etc/passwd'):
            code, body = curl('--path-as-is', '-H', 'Authorization: Bearer ' + app,
                              srv.url + path)
            check(400 <= code < 500 and 'root:' not in body and '/bin/' not in body,
                  f'security: GET {path} (curl --path-as-is): 4xx, no file', f'{code} {body[:300]}')
        out = raw_http(srv.port, b'GET /v1/statement/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n'
                       b'Authorization: Bearer ' + app.encode() + b'\r\nConnection: close\r\n\r\n')
        check(out.startswith(b'HTTP/1.1 4') and b'root:' not in out,
              'security: the same over a raw socket: 4xx, no file', out[:300])

        # Unknown routes and methods; error bodies.
        r = call('GET', srv.url + '/v1/nope', app)
        check_error(r, 404, 'security: an unknown route: 404 JSON error', 'not_found')
        r = call('GET', srv.url + '/', None)
        check_error(r, 404, 'security: / is no route: 404 JSON error', 'not_found')
        r = call('PUT', f'{u}/records/{rid}', app, rec)
        check_error(r, 405, 'security: a method the route does not take: 405 JSON error')
        r = call('GET', f'{u}/records/not-a-number', app, params={'purpose': 'service'})
        check_error(r, 404, 'security: a malformed id: 404 JSON error')
        r = call('GET', f'{u}/records/99999999999999999999999', app, params={'purpose': 'service'})
        check(error_shape_problem(r) is None and status(r) in (400, 404),
              'security: an id past 64 bits: 4xx JSON error', show(r))
        r = call('GET', u + '/audit/proof/18446744073709551615', dpo)
        check(error_shape_problem(r) is None and status(r) in (400, 404, 422),
              'security: an audit proof of an entry past the log: 4xx JSON error', show(r))
        out = raw_http(srv.port, b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 200000
                       + b'\r\n\r\n')
        check(out.startswith(b'HTTP/1.1 4'), 'security: a header over the limits: 4xx', out[:200])

        # Headers without end: the server answers others meanwhile (it has no option for a
        # shorter idle timeout than its 30 s default, so their closing is not waited for here).
        hanging = []
        try:
            for _ in range(12):
                s = socket.create_connection(('127.0.0.1', srv.port), timeout=HTTP_TIMEOUT)
                s.sendall(b'POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
                          + app.encode() + b'\r\nContent-Ty')
                hanging.append(s)
            time.sleep(0.3)
            t = time.monotonic()
            r = call('GET', f'{u}/records/{rid}', app, params={'purpose': 'service'})
            took = time.monotonic() - t
            check(status(r) == 200 and took < 2,
                  'security: 12 connections with unfinished headers do not stop other clients',
                  show(r), f'{took:.2f} s')
        finally:
            for s in hanging:
                s.close()

        # Health and metrics.
        r = call('GET', srv.url + '/healthz')
        check(status(r) == 200 and jbody(r) == {'status': 'ok'},
              'health: /healthz without a key: 200', show(r))
        r = call('GET', srv.url + '/metrics', ops_dpo)
        check(status(r) == 200 and r.headers.get('Content-Type', '').startswith('text/plain')
              and '# TYPE kluis_http_requests_total counter' in r.text
              and re.search(r'^kluis_http_requests_total\{method="POST",route="/v1/records",'
                            r'status="2xx"\} \d+$', r.text, re.M),
              'health: /metrics with an operator dpo key: Prometheus text with '
              'kluis_http_requests_total', show(r))
        check(status(r) == 200 and ANNA not in r.text and ANNA_ACCOUNT not in r.text
              and str(rid) not in r.text,
              'health: /metrics names routes, never ids or values', show(r))
        # A request its client abandons (headers and part of the body, then gone) is no
        # server error.
        with socket.create_connection(('127.0.0.1', srv.port), timeout=HTTP_TIMEOUT) as s:
            s.sendall(b'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
                      + app.encode() + b'\r\nContent-Type: application/json\r\n'
                      b'Content-Length: 100\r\n\r\n{"name"')
            time.sleep(0.2)
        time.sleep(0.3)
        r = call('GET', srv.url + '/metrics', ops_dpo)
        fives = re.findall(r'^kluis_http_requests_total\{.*status="5xx"\} \d+$',
                           getattr(r, 'text', ''), re.M)
        check(status(r) == 200 and not fives,
              'health: /metrics counts no 5xx when no request was answered 5xx (an abandoned '
              'request is no server error)', *fives)
        r = call('GET', srv.url + '/metrics', app)
        check_error(r, 403, 'health: /metrics with an app key: 403', 'forbidden')
        r = call('GET', srv.url + '/metrics', dpo)
        check_error(r, 403, 'health: /metrics with a tenant\'s dpo key: 403', 'forbidden')
        r = call('GET', srv.url + '/metrics')
        check_error(r, 401, 'health: /metrics without a key: 401', 'unauthenticated')
        stopped(srv, 'security')
    finally:
        st.close()


# ---- Metrics: records by category, request deadlines ---------------------------------------------

def metric(text, name, labels=''):
    """The value of one sample of the Prometheus text (labels as printed), or None."""
    m = re.search(r'^' + re.escape(name + (('{' + labels + '}') if labels else '')) +
                  r' (\S+)$', text or '', re.M)
    return float(m.group(1)) if m else None


def test_metrics():
    st = Store('metrics')
    try:
        st.tenant('acme', 'NL')
        st.tenant('bolt', 'BE')
        app = st.key('app', 'acme-app', tenant='acme')
        dpo = st.key('dpo', 'acme-dpo', tenant='acme')
        ops = st.key('dpo', 'ops-dpo', tenant=None)
        for who, category, value, now in (
                ('acme', 'account', ANNA_ACCOUNT, None),
                ('acme', 'account', BEN_ACCOUNT, None),
                ('bolt', 'support', ANNA_SUPPORT, None),
                # mail_metadata keeps 7 days: past its expiry at the server's clock, not purged.
                ('acme', 'mail_metadata', 'old thread', '2026-10-01T09:00:00Z')):
            st.cli('record', 'put', '--tenant', who, '--subject', ANNA, '--category', category,
                   '--value', value, now=now)
        # Requests: due in a few days, overdue, due in a month, and one closed.
        for received in ('2026-10-06T09:00:00Z', '2026-09-01T09:00:00Z', None):
            st.cli('request', 'open', '--tenant', 'acme', '--subject', BEN, '--type', 'access',
                   now=received)
        closed = st.cli('request', 'open', '--tenant', 'acme', '--subject', BEN, '--type',
                        'access', now='2026-10-06T09:00:00Z').stdout.strip()
        st.cli('request', 'reject', closed, '--reason', 'manifestly unfounded')
        srv = st.serve()
        r = call('GET', srv.url + '/metrics', ops)
        text = r.text if status(r) == 200 else ''
        check(status(r) == 200 and metric(text, 'kluis_records', 'category="account"') == 2
              and metric(text, 'kluis_records', 'category="support"') == 1,
              'metrics: kluis_records{category} counts the live records by category', show(r))
        check(metric(text, 'kluis_records', 'category="mail_metadata"') == 0
              and metric(text, 'kluis_records', 'category="drafts"') == 0,
              'metrics: ... a record past its expiry (not yet purged) does not count, and a '
              'category of the policy without records is 0', show(r))
        check(metric(text, 'kluis_tenant_records', 'tenant="acme",category="account"') == 2
              and metric(text, 'kluis_tenant_records', 'tenant="bolt",category="support"') == 1
              and metric(text, 'kluis_tenant_records',
                         'tenant="acme",category="mail_metadata"') is None,
              'metrics: kluis_tenant_records{tenant,category} by tenant', show(r))
        check(metric(text, 'kluis_requests_due', 'within="7d"') == 1
              and metric(text, 'kluis_requests_overdue') == 1,
              'metrics: kluis_requests_due{within="7d"} and kluis_requests_overdue count the '
              'open requests by deadline (a closed one not)', show(r))
        check('# TYPE kluis_records gauge' in text and '# TYPE kluis_requests_due gauge' in text,
              'metrics: the engine\'s figures are gauges', show(r))
        check(ANNA not in text and BEN not in text and ANNA_ACCOUNT not in text,
              'metrics: no subject and no value in the metrics', show(r))
        r = call('POST', srv.url + '/v1/records', app,
                 {'subject': BEN, 'category': 'account', 'value': BEN_ACCOUNT})
        r2 = call('GET', srv.url + '/metrics', ops)
        check(status(r) == 201 and metric(getattr(r2, 'text', ''), 'kluis_records',
                                          'category="account"') == 3,
              'metrics: a write through the API counts at once', show(r), show(r2))
        r = call('GET', srv.url + '/metrics', dpo)
        check_error(r, 403, 'metrics: a tenant\'s key (which must not see other tenants\' names) '
                    'is refused /metrics (403)', 'forbidden')
        stopped(srv, 'metrics')
    finally:
        st.close()


# ---- Malformed requests ---------------------------------------------------------------------------

def parse_raw(out):
    """(status, headers as a lower-cased dict, body) of the first answer in raw bytes."""
    head, _, body = out.partition(b'\r\n\r\n')
    lines = head.decode(errors='replace').split('\r\n')
    m = re.match(r'HTTP/1\.[01] (\d{3})', lines[0])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers[k.strip().lower()] = v.strip()
    return (int(m.group(1)) if m else None), headers, body


def test_framing():
    """What kluis answers in JSON itself (ambiguous framing, Host), and what libmicrohttpd
    answers before kluis sees the request (docs/internals/server.md lists these; this pins
    them, so that a libmicrohttpd that answers otherwise shows up here)."""
    st = Store('framing')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'acme-app', tenant='acme').encode()
        srv = st.serve()
        body = json.dumps({'subject': ANNA, 'category': 'account', 'value': 'v'}).encode()
        head = (b'POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + app +
                b'\r\nContent-Type: application/json\r\n')
        chunked = b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body)
        ours = (
            ('two Content-Length headers', 400, 'malformed_request',
             head + b'Content-Length: 5\r\nContent-Length: %d\r\n\r\n' % len(body) + body),
            ('Content-Length with Transfer-Encoding', 400, 'malformed_request',
             head + b'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n' + chunked),
            ('Transfer-Encoding: gzip', 501, 'not_implemented',
             head + b'Transfer-Encoding: gzip\r\n\r\n' + body),
            ('Transfer-Encoding: gzip, chunked', 501, 'not_implemented',
             head + b'Transfer-Encoding: gzip, chunked\r\n\r\n' + chunked),
            ('HTTP/1.1 without Host', 400, 'malformed_request',
             b'GET /healthz HTTP/1.1\r\n\r\n'),
            ('two Host headers', 400, 'malformed_request',
             b'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
        )
        for name, code, error, data in ours:
            got, headers, rest = parse_raw(raw_http(srv.port, data))
            try:
                answer = json.loads(rest.decode())
            except ValueError:
                answer = None
            check(got == code and headers.get('content-type') == 'application/json'
                  and (answer or {}).get('error', {}).get('code') == error
                  and headers.get('connection', '').lower() == 'close',
                  f'framing: {name}: {code} {error} in JSON, and the connection closes',
                  f'{got} {headers} {rest[:200]!r}')
        got, _, rest = parse_raw(raw_http(srv.port, head + b'Transfer-Encoding: chunked\r\n'
                                          b'Connection: close\r\n\r\n' + chunked))
        check(got == 201, 'framing: a chunked body alone is read as ever (201)', rest[:200])
        got, _, rest = parse_raw(raw_http(srv.port, head + b'Content-Length: %d\r\n'
                                          b'Connection: close\r\n\r\n' % len(body) + body))
        check(got == 201, 'framing: ... and so is one Content-Length (201)', rest[:200])

        # libmicrohttpd's own answers: an HTML page, no JSON (docs/internals/server.md).
        theirs = (
            ('a request line without a version', 400, b'GET /healthz\r\n\r\n'),
            ('a header line without a colon', 400,
             b'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n'),
            ('HTTP/2.0 on the HTTP/1 port', 505, b'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n'),
            ('HTTP/0.9', 505, b'GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n'),
            ('a URL over the buffer', 414,
             b'GET /healthz?' + b'a' * 200000 + b' HTTP/1.1\r\nHost: x\r\n\r\n'),
            ('headers over the buffer', 431,
             b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 200000 + b'\r\n\r\n'),
            ('a Content-Length that is no number', 400,
             b'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'),
            ('a Content-Length over 2^64', 413, b'POST /v1/records HTTP/1.1\r\nHost: x\r\n'
             b'Content-Length: 99999999999999999999999\r\n\r\n'),
            ('malformed chunked encoding', 400,
             head + b'Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'),
            ('a chunk size over 2^64', 413, head + b'Transfer-Encoding: chunked\r\n\r\n'
             b'FFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n'),
        )
        for name, code, data in theirs:
            out = raw_http(srv.port, data)
            got, headers, rest = parse_raw(out)
            check(got == code and 'application/json' not in headers.get('content-type', '')
                  and b'<html>' in rest,
                  f'framing: {name}: libmicrohttpd answers {code} itself, in HTML (documented)',
                  out[:300])
        out = raw_http(srv.port, b'GARBAGE\r\n\r\n')
        check(out == b'', 'framing: a request line it cannot parse: closed without an answer',
              out[:300])
        r = call('GET', srv.url + '/healthz')
        check(status(r) == 200, 'framing: the server still answers', show(r))
        stopped(srv, 'framing')
    finally:
        st.close()


# ---- Errors in the API's words --------------------------------------------------------------------

def test_wording():
    """Engine messages that name a CLI option or command reach the API in its own words (a JSON
    member, a query parameter, a route); the CLI keeps its words."""
    st = Store('wording')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'acme-app', tenant='acme')
        dpo = st.key('dpo', 'acme-dpo', tenant='acme')
        srv = st.serve()
        u = srv.url + '/v1'

        def says(r, name, *words, status=None):
            problem = error_shape_problem(r, status)
            msg = (jbody(r) or {}).get('error', {}).get('message', '') if not problem else ''
            missing = [w for w in words if w not in msg]
            return check(problem is None and not missing, f'wording: {name}',
                         problem or f'{missing} not in {msg!r}')

        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'drafts',
                                               'value': 'Beste Anna'})
        says(r, 'a draft without a link names "links"', '"links"', status=422)
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'drafts',
                                               'value': 'Beste Anna', 'links': {'draft': '5'}})
        draft = (jbody(r) or {}).get('id')
        r = call('GET', f'{u}/records/{draft}', app, params={'purpose': 'auto_draft'})
        says(r, 'an unapproved draft names the approval route',
             f'POST /v1/approvals/{draft}/approve', status=422)
        r = call('POST', u + '/consent', dpo, {'subject': BEN, 'purpose': 'style_learning',
                                               'action': 'give'})
        says(r, 'consent without a text version names "text_version"', '"text_version"',
             status=400)

        # A subject of whom the organisation is controller only (account): the request is its.
        r = call('POST', u + '/records', app, {'subject': BEN, 'category': 'account',
                                               'value': BEN_ACCOUNT})
        ben = (jbody(r) or {}).get('id')
        r = call('POST', u + '/requests', dpo, {'subject': BEN, 'type': 'access'})
        req = (jbody(r) or {}).get('id')
        r = call('POST', f'{u}/requests/{req}/fulfil', dpo, {})
        says(r, 'fulfilling an unverified request names the verify route',
             f'POST /v1/requests/{req}/verify', status=422)
        r = call('POST', f'{u}/requests/{req}/verify', dpo, {})
        says(r, 'verifying without a method names "method"', '"method"', status=400)
        r = call('POST', f'{u}/requests/{req}/extend', dpo, {'reason': ''})
        says(r, 'an empty reason names "reason"', '"reason"', status=400)
        r = call('POST', u + '/requests', dpo, {'subject': BEN, 'type': 'rectification'})
        rect = (jbody(r) or {}).get('id')
        call('POST', f'{u}/requests/{rect}/verify', dpo, {'method': 'in_person'})
        r = call('POST', f'{u}/requests/{rect}/fulfil', dpo, {})
        says(r, 'a rectification without records names "records"', '"records"', status=400)
        r = call('POST', u + '/requests', dpo, {'subject': BEN, 'type': 'restriction'})
        res = (jbody(r) or {}).get('id')
        call('POST', f'{u}/requests/{res}/verify', dpo, {'method': 'in_person'})
        r = call('POST', f'{u}/requests/{res}/fulfil', dpo, {})
        check(status(r) == 200, 'wording: (a restriction fulfilled)', show(r))
        r = call('GET', f'{u}/records/{ben}', app, params={'purpose': 'service'})
        says(r, 'reading a restricted subject\'s record names ?ground=', '?ground=', status=422)
        r = call('POST', f'{u}/requests/{res}/lift', dpo, {})
        says(r, 'lifting without telling the subject names "subject_told"', '"subject_told"',
             status=422)

        # Anna has a draft (processor data): her request is the customer's to answer.
        r = call('POST', u + '/requests', dpo, {'subject': ANNA, 'type': 'access'})
        proc = (jbody(r) or {}).get('id')
        r = call('POST', f'{u}/requests/{proc}/verify', dpo, {'method': 'in_person'})
        says(r, 'verifying a processor\'s request names the forward route',
             f'POST /v1/requests/{proc}/forward', status=422)
        r = call('POST', f'{u}/requests/{proc}/fulfil', dpo, {})
        says(r, 'fulfilling it unforwarded names the forward route',
             f'POST /v1/requests/{proc}/forward', status=422)
        stopped(srv, 'wording')

        # The command line keeps its own words for the same refusals.
        p = st.cli('request', 'extend', str(req), '--reason', '', ok=False)
        check(p.returncode != 0 and '--reason' in p.stderr,
              'wording: the CLI still names --reason', p.stderr)
        p = st.cli('record', 'get', str(draft), '--tenant', 'acme', '--purpose', 'auto_draft',
                   ok=False)
        check(p.returncode != 0 and f'kluis approval approve {draft}' in p.stderr,
              'wording: the CLI still names kluis approval approve', p.stderr)
        p = st.cli('request', 'verify', str(proc), ok=False)
        check(p.returncode != 0 and f'kluis request forward {proc}' in p.stderr,
              'wording: the CLI still names kluis request forward', p.stderr)
    finally:
        st.close()


# ---- Rate limits ---------------------------------------------------------------------------------

class Answer:
    """What from_address() got: status, headers (case-insensitive names), text and JSON
    body."""

    def __init__(self, status, headers, text):
        self.status_code, self.headers, self.text = status, headers, text

    def json(self):
        return json.loads(self.text)


def from_address(source, port, path, key=None):
    """GET path from a given loopback source address (127.0.0.2 is another client than
    127.0.0.1: Linux routes all of 127/8 to lo), on a connection of its own."""
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=HTTP_TIMEOUT,
                                   source_address=(source, 0))
    try:
        h = {'Connection': 'close'}
        if key is not None:
            h['Authorization'] = 'Bearer ' + key
        c.request('GET', path, headers=h)
        r = c.getresponse()
        return Answer(r.status, requests.structures.CaseInsensitiveDict(r.getheaders()),
                      r.read().decode(errors='replace'))
    except OSError as e:
        return e
    finally:
        c.close()


def rate_problem(r):
    """Why r is not a proper 429 (JSON error rate_limited, Retry-After in whole seconds)."""
    problem = error_shape_problem(r, 429)
    if problem:
        return problem
    if r.json()['error']['code'] != 'rate_limited':
        return f'code {r.json()["error"]["code"]!r}'
    retry = r.headers.get('Retry-After') or ''
    if not re.fullmatch(r'[1-9][0-9]*', retry):
        return f'Retry-After {retry!r}: {show(r)}'
    return None


def test_ratelimit():
    """A low limit and a burst: no test waits for a bucket to refill. RATE requests a second in
    bursts of BURST, so n requests sent within t seconds may get at most BURST + RATE * t + 1
    answers that are not 429."""
    rate, burst = 1, 5
    st = Store('ratelimit')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'acme-app', tenant='acme')
        app2 = st.key('app', 'acme-app-2', tenant='acme')
        app3 = st.key('app', 'acme-app-3', tenant='acme')
        ops = st.key('dpo', 'ops-dpo', tenant=None)
        srv = st.serve('--rate-limit', str(rate), '--rate-burst', str(burst))
        u = srv.url + '/v1'
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'account',
                                               'value': ANNA_ACCOUNT})
        rid = (jbody(r) or {}).get('id')
        if not isinstance(rid, int):
            raise RuntimeError(f'cannot store a record: {show(r)}')

        # One key: its burst (less the write above), then 429.
        t = time.monotonic()
        answers = [call('GET', f'{u}/records/{rid}', app, params={'purpose': 'service'})
                   for _ in range(12)]
        took = time.monotonic() - t
        codes = [status(a) for a in answers]
        ok = codes.count(200)
        limited = [a for a in answers if status(a) == 429]
        check(ok >= burst - 1 and limited and ok <= burst + rate * took + 1
              and set(codes) <= {200, 429},
              f'ratelimit: one key, 12 reads at once: the burst answered, then 429',
              f'{codes} in {took:.2f} s')
        check(limited and all(rate_problem(a) is None for a in limited),
              'ratelimit: a 429 is the JSON error rate_limited with Retry-After in seconds',
              *[rate_problem(a) for a in limited if rate_problem(a)][:3])
        check(limited and ANNA_ACCOUNT not in limited[0].text and app not in limited[0].text,
              'ratelimit: ... without the key or a value in it',
              show(limited[0] if limited else None))
        r = call('GET', f'{u}/records/{rid}', app2, params={'purpose': 'service'})
        check(status(r) == 200, 'ratelimit: another key of the same tenant has its own bucket',
              show(r))

        # Bad keys from another address: 401 for the burst, then 429 — before the key is
        # looked at, so that a valid key from that address is refused too, for a while.
        wrong = base64.urlsafe_b64encode(os.urandom(32)).decode()
        t = time.monotonic()
        answers = [from_address('127.0.0.2', srv.port, f'/v1/records/{rid}?purpose=service',
                                wrong) for _ in range(12)]
        codes = [status(a) for a in answers]
        r = from_address('127.0.0.2', srv.port, f'/v1/records/{rid}?purpose=service', app3)
        took = time.monotonic() - t
        check(codes.count(401) >= burst and 429 in codes and set(codes) <= {401, 429}
              and codes.count(401) <= burst + rate * took + 1,
              'ratelimit: 12 wrong keys from one address: 401 for the burst, then 429',
              f'{codes} in {took:.2f} s')
        limited = [a for a in answers if status(a) == 429]
        check(limited and rate_problem(limited[-1]) is None,
              'ratelimit: ... a proper 429 (rate_limited, Retry-After)',
              rate_problem(limited[-1]) if limited else codes)
        check(status(r) == 429 or (status(r) == 200 and took > 1 / rate),
              'ratelimit: ... and a valid key from that address is refused (429) until the '
              'address\'s bucket refills', show(r), f'{took:.2f} s')
        r = call('GET', f'{u}/records/{rid}', app2, params={'purpose': 'service'})
        check(status(r) == 200, 'ratelimit: clients at other addresses are not held up by it',
              show(r))
        answers = [from_address('127.0.0.2', srv.port, '/healthz') for _ in range(burst + 3)]
        check(all(status(a) == 200 for a in answers),
              'ratelimit: /healthz (public) is not limited', [status(a) for a in answers])

        r = call('GET', srv.url + '/metrics', ops)
        text = r.text if status(r) == 200 else ''
        check((metric(text, 'kluis_http_rate_limited_total', 'by="key"') or 0) >= 1
              and (metric(text, 'kluis_http_rate_limited_total', 'by="address"') or 0) >= 2,
              'ratelimit: /metrics counts the 429s by key and by address', show(r))
        log = srv.stderr()
        check('"status":429' in log and '"error":"rate_limited"' in log and wrong not in log,
              'ratelimit: the access log has the 429s (and no key)', log[-800:])
        stopped(srv, 'ratelimit')

        # The variables; an option wins over its variable; 0 turns the limits off.
        st.env.update(KLUIS_RATE_LIMIT='1', KLUIS_RATE_BURST='2')
        srv = st.serve()
        codes = [status(call('GET', f'{srv.url}/v1/records/{rid}', app,
                             params={'purpose': 'service'})) for _ in range(6)]
        check(codes[:2] == [200, 200] and 429 in codes,
              'ratelimit: KLUIS_RATE_LIMIT and KLUIS_RATE_BURST set the limit', codes)
        stopped(srv, 'ratelimit (variables)')
        srv = st.serve('--rate-limit', '0')
        codes = [status(call('GET', f'{srv.url}/v1/records/{rid}', app,
                             params={'purpose': 'service'})) for _ in range(8)]
        check(codes == [200] * 8, 'ratelimit: --rate-limit 0 turns it off (over '
              'KLUIS_RATE_LIMIT=1)', codes)
        stopped(srv, 'ratelimit (off)')
        for bad in (['--rate-limit', 'x'], ['--rate-limit', '-1'], ['--rate-burst', '0'],
                    ['--rate-limit', '1000001']):
            p = subprocess.run([KLUIS, 'serve', '--listen', '127.0.0.1:0', *bad], env=st.env,
                               cwd=st.dir, capture_output=True, text=True, timeout=CLI_TIMEOUT,
                               stdin=subprocess.DEVNULL)
            check(p.returncode == 2 and bad[0] in p.stderr and not p.stdout,
                  f'ratelimit: serve {" ".join(bad)} is a usage error (exit 2)',
                  f'exit {p.returncode}', p.stderr)
    finally:
        st.close()


def test_plain():
    st = Store('plain')
    try:
        p = subprocess.run([KLUIS, 'serve', '--listen', '0.0.0.0:0'], env=st.env, cwd=st.dir,
                           capture_output=True, text=True, timeout=CLI_TIMEOUT,
                           stdin=subprocess.DEVNULL)
        check(p.returncode != 0 and 'TLS' in p.stderr and not p.stdout,
              'plain: serve --listen 0.0.0.0:0 refuses plain HTTP off loopback, naming TLS',
              f'exit {p.returncode}', p.stdout, p.stderr)
        srv = st.serve('--allow-plain-http', listen='0.0.0.0:0')
        r = call('GET', srv.url + '/healthz')
        check(status(r) == 200, 'plain: with --allow-plain-http it serves', show(r))
        stopped(srv, 'plain')
    finally:
        st.close()


# ---- 2b. HTTPS with HSTS ---------------------------------------------------------------------------

def test_tls():
    """With a certificate and key: HTTPS, HSTS on every answer, also off loopback; plain HTTP
    to the TLS port gets no answer."""
    st = Store('tls')
    try:
        cert, key = os.path.join(st.dir, 'cert.pem'), os.path.join(st.dir, 'key.pem')
        p = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                            key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'],
                           capture_output=True, timeout=CLI_TIMEOUT)
        if not check(p.returncode == 0, 'tls: a self-signed certificate (openssl req)',
                     p.stderr.decode(errors='replace')):
            return
        st.tenant('acme', 'NL')
        app = st.key('app', 'webshop', tenant='acme')
        srv = st.serve('--tls-cert', cert, '--tls-key', key, listen='0.0.0.0:0')
        check(srv.url.startswith('https://'), 'tls: serve prints an https URL (off loopback)',
              srv.url)
        r = call('GET', srv.url + '/healthz', verify=cert.replace('cert.pem', 'cert.pem') and False)
        check(status(r) == 200 and 'max-age=' in r.headers.get('Strict-Transport-Security', ''),
              'tls: /healthz over HTTPS carries Strict-Transport-Security', show(r))
        r = call('POST', srv.url + '/v1/records', app,
                 {'subject': ANNA, 'category': 'account', 'value': 'tls'}, verify=False)
        check(status(r) == 201 and 'Strict-Transport-Security' in r.headers,
              'tls: a write over HTTPS, with HSTS', show(r))
        r = call('GET', f'http://127.0.0.1:{srv.port}/healthz', timeout=5)
        check(not isinstance(r, requests.Response) or r.status_code != 200,
              'tls: plain HTTP to the HTTPS port is not served', show(r))
        stopped(srv, 'tls')
    finally:
        st.close()


# ---- 3. No personal data in the logs -------------------------------------------------------------

def test_logs():
    st = Store('logs')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'webshop', tenant='acme')
        dpo = st.key('dpo', 'privacy-desk', tenant='acme')
        log = os.path.join(st.dir, 'access.log')
        srv = st.serve(log=log)
        u = srv.url + '/v1'
        r = call('POST', u + '/records', app,
                 {'subject': ANNA, 'category': 'account', 'value': ANNA_ACCOUNT})
        rid = (jbody(r) or {}).get('id')
        check(status(r) == 201, 'logs: a record of Anna stored', show(r))
        call('GET', f'{u}/records/{rid}', app, params={'purpose': 'service', 'subject': ANNA})
        call('POST', u + '/records', app, {'subject': ANNA, 'category': 'nope',
                                           'value': ANNA_ACCOUNT})
        call('POST', u + '/records', app, data='{"subject": "' + ANNA + '", "value": "'
             + ANNA_ACCOUNT + '"', headers={'Content-Type': 'application/json'})
        call('POST', u + '/subjects/export', dpo, {'subject': ANNA})
        call('POST', u + '/requests', dpo, {'email': ANNA, 'type': 'access'})
        call('POST', u + '/consent', app, {'subject': ANNA, 'purpose': 'style_learning',
                                           'action': 'give'})
        call('GET', f'{srv.url}/v1/nope/{ANNA}/{ANNA_ACCOUNT}', app)
        call('GET', f'{u}/records/{rid}', 'x' + ANNA, params={'purpose': ANNA})
        stopped(srv, 'logs')
        with open(log, encoding='utf-8', errors='replace') as f:
            text = f.read()
        lines = [line for line in text.splitlines() if line.strip()]
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                pass
        check(len(lines) >= 9 and len(parsed) == len(lines),
              'logs: --log FILE has one JSON line per request', text[-1500:])
        everything = text + srv.stderr()
        leaked = [v for v in (ANNA, 'anna@', ANNA_ACCOUNT, 'NL91ABNA0417164300', 'Anna de Vries')
                  if v in everything]
        check(not leaked, 'logs: neither the values nor the subject are in the log or on stderr',
              leaked, text[-1500:])
    finally:
        st.close()


# ---- 4. Kill during writes -----------------------------------------------------------------------

class Writers:
    """Threads that POST records in a loop, each on a fresh connection, remembering every
    acknowledged (id, value)."""

    def __init__(self, url, key, n=2, tag='w'):
        self.url, self.key, self.tag = url, key, tag
        self.acked, self.errors = [], []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def run(self, k):
        i = 0
        while not self.done.is_set():
            i += 1
            value = f'{self.tag}-{k}-{i}-{os.urandom(4).hex()}'
            r = call('POST', self.url + '/v1/records', self.key,
                     {'subject': f'writer{k}@mail.example', 'category': 'account',
                      'value': value}, timeout=3)
            with self.lock:
                if status(r) == 201 and isinstance((jbody(r) or {}).get('id'), int):
                    self.acked.append((r.json()['id'], value))
                else:
                    self.errors.append(show(r)[:200])
            if status(r) is None:
                time.sleep(0.02)

    def count(self):
        with self.lock:
            return len(self.acked)

    def wait(self, least=1.5, most=5, acked=20):
        """Lets them write for at least `least` s, until `acked` writes or `most` s."""
        t = time.monotonic()
        while time.monotonic() - t < most and (time.monotonic() - t < least
                                               or self.count() < acked):
            time.sleep(0.05)

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(10)


def all_there(url, key, acked):
    """The acknowledged records that do not read back with their value."""
    missing = []
    with requests.Session() as s:
        for rid, value in acked:
            try:
                r = s.get(f'{url}/v1/records/{rid}', params={'purpose': 'service'},
                          headers={'Authorization': 'Bearer ' + key}, timeout=HTTP_TIMEOUT)
                if r.status_code != 200 or r.json().get('value') != value:
                    missing.append(f'{rid}: {show(r)[:200]}')
            except requests.RequestException as e:
                missing.append(f'{rid}: {e}')
    return missing


def test_crash():
    st = Store('crash')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'writer', tenant='acme')
        dpo = st.key('dpo', 'auditor', tenant='acme')

        srv = st.serve()
        w = Writers(srv.url, app, tag='kill')
        w.wait()
        srv.p.kill()
        srv.p.wait(10)
        w.stop()
        acked = list(w.acked)
        check(len(acked) >= 5, 'crash: writes were acknowledged before SIGKILL',
              f'{len(acked)} acknowledged', *w.errors[:5])
        srv2 = st.serve()
        missing = all_there(srv2.url, app, acked)
        check(not missing, 'crash: after SIGKILL and a restart every acknowledged write reads '
              f'back ({len(acked)})', *missing[:10])
        r = call('GET', srv2.url + '/v1/audit/verify', dpo)
        check(status(r) == 200 and (jbody(r) or {}).get('ok') is True,
              'crash: the audit log verifies after the SIGKILL', show(r))

        w = Writers(srv2.url, app, tag='term')
        w.wait()
        rc, took = srv2.stop()
        w.stop()
        acked2 = list(w.acked)
        check(rc == 0, 'crash: SIGTERM during writes: exit status 0',
              f'exit {rc} after {took:.1f} s', srv2.stderr()[-1500:])
        check(len(acked2) >= 5, 'crash: writes were acknowledged before SIGTERM',
              f'{len(acked2)} acknowledged', *w.errors[:5])
        srv3 = st.serve()
        missing = all_there(srv3.url, app, acked + acked2)
        check(not missing, f'crash: after SIGTERM every acknowledged write reads back '
              f'({len(acked) + len(acked2)})', *missing[:10])
        r = call('GET', srv3.url + '/v1/audit/verify', dpo)
        check(status(r) == 200 and (jbody(r) or {}).get('ok') is True,
              'crash: the audit log verifies after the SIGTERM', show(r))
        stopped(srv3, 'crash')
    finally:
        st.close()


# ---- The store shared with the CLI ---------------------------------------------------------------

def test_shared():
    """kluis apikey revoke (and any CLI command) runs on the store while the server serves it."""
    st = Store('shared')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'webshop', tenant='acme')
        doomed = st.key('app', 'leaked-key', tenant='acme')
        srv = st.serve()
        u = srv.url + '/v1'
        r = call('POST', u + '/records', app, {'subject': ANNA, 'category': 'account',
                                               'value': ANNA_ACCOUNT})
        rid = (jbody(r) or {}).get('id')
        check(status(r) == 201, 'shared: a record stored through the server', show(r))
        r = call('GET', f'{u}/records/{rid}', doomed, params={'purpose': 'service'})
        check(status(r) == 200, 'shared: the key to revoke works', show(r))
        p = st.cli('apikey', 'revoke', str(st.key_id('leaked-key')), '--tenant', 'acme', ok=False)
        check(p.returncode == 0, 'shared: kluis apikey revoke while the server runs', p.stderr)
        r = call('GET', f'{u}/records/{rid}', doomed, params={'purpose': 'service'})
        check_error(r, 401, 'shared: the key revoked with the CLI answers 401 at once')
        r = call('GET', f'{u}/records/{rid}', app, params={'purpose': 'service'})
        check(status(r) == 200 and (jbody(r) or {}).get('value') == ANNA_ACCOUNT,
              'shared: after the CLI wrote to the store, the server still reads records',
              show(r))
        r = call('POST', u + '/records', app, {'subject': BEN, 'category': 'account',
                                               'value': BEN_ACCOUNT})
        check(status(r) == 201, 'shared: after the CLI wrote to the store, the server still '
              'stores records', show(r))
        p = st.cli('record', 'put', '--tenant', 'acme', '--subject', BEN, '--category',
                   'support', '--value', 'cli', ok=False)
        r = call('POST', u + '/records', app, {'subject': BEN, 'category': 'support',
                                               'value': 'api'})
        check(p.returncode == 0 and status(r) == 201,
              'shared: CLI and server take turns writing (record put, then POST /v1/records)',
              p.stderr, show(r))
        stopped(srv, 'shared')
        p = st.cli('audit', 'verify', ok=False)
        check(p.returncode == 0, 'shared: the audit log verifies afterwards', p.stdout, p.stderr)
    finally:
        st.close()


# ---- Shutdown ------------------------------------------------------------------------------------

def test_shutdown():
    """SIGTERM: stop accepting, finish the request in flight, do not wait for idle connections."""
    st = Store('shutdown')
    try:
        st.tenant('acme', 'NL')
        app = st.key('app', 'webshop', tenant='acme')
        srv = st.serve()
        idle = requests.Session()
        r = idle.get(srv.url + '/healthz', timeout=HTTP_TIMEOUT)     # stays open (keep-alive)
        check(r.status_code == 200, 'shutdown: a keep-alive client', show(r))
        # The request in flight: its headers and half its body before the SIGTERM.
        body = json.dumps({'subject': ANNA, 'category': 'support', 'value': 'in flight'}).encode()
        inflight = socket.create_connection(('127.0.0.1', srv.port), timeout=HTTP_TIMEOUT)
        inflight.sendall(b'POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
                         + app.encode() + b'\r\nContent-Type: application/json\r\n'
                         b'Content-Length: %d\r\n\r\n' % len(body) + body[:10])
        time.sleep(0.2)
        t0 = time.monotonic()
        srv.p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        t = time.monotonic()
        try:
            r = requests.get(srv.url + '/healthz', timeout=2)
        except requests.RequestException as e:
            r = e
        took = time.monotonic() - t
        check(isinstance(r, requests.ConnectionError) and took < 1,
              'shutdown: after SIGTERM a new connection is refused, not left hanging',
              f'{show(r)} after {took:.1f} s')
        try:
            inflight.sendall(body[10:])
            answer = inflight.recv(4096)
        except OSError as e:
            answer = repr(e).encode()
        check(answer.startswith(b'HTTP/1.1 201'),
              'shutdown: the request in flight is answered (201)', answer[:300])
        inflight.close()
        t1 = time.monotonic()
        try:
            rc = srv.p.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            rc = None
        idle.close()
        check(rc == 0 and time.monotonic() - t1 < 3,
              'shutdown: then it exits 0 at once, not waiting out its grace for an idle '
              'keep-alive connection',
              f'exit {rc}: {time.monotonic() - t1:.1f} s after the last answer, '
              f'{time.monotonic() - t0:.1f} s after SIGTERM')
    finally:
        st.close()


def main():
    if len(sys.argv) != 3:
        print('usage: test_http.py KLUIS_BINARY SOURCE_ROOT', file=sys.stderr)
        return 2
    t = time.monotonic()
    for name, fn in (('life', test_life), ('security', test_security),
                     ('metrics', test_metrics), ('framing', test_framing),
                     ('wording', test_wording),
                     ('ratelimit', test_ratelimit),
                     ('plain', test_plain),
                     ('tls', test_tls),
                     ('logs', test_logs), ('crash', test_crash), ('shared', test_shared),
                     ('shutdown', test_shutdown)):
        group(name, fn)
    print(f'# {time.monotonic() - t:.1f} s')
    print(f'1..{TAP.n}')
    return 1 if TAP.failed else 0


if __name__ == '__main__':
    sys.exit(main())
