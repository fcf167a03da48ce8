#!/usr/bin/env python3
"""docs/openapi.yaml held to the server's route table (TAP).

    python3 tests/openapi/test_openapi.py KLUIS_BINARY SOURCE_ROOT

The route table is what `kluis serve --routes` prints (METHOD PATH ROLES, one per line). The
document must be OpenAPI 3.1, describe exactly those (method, path) pairs, and for each
operation carry an operationId, its roles as `x-kluis-roles` (the printed string), a 401, 403
and 429 (with Retry-After) where it is secured, and only references that resolve. Needs
python3-yaml (Debian's is enough); when openapi-spec-validator happens to be installed, the
document is also validated against the OpenAPI 3.1 schema (else that check is skipped).
"""
import os
import re
import subprocess
import sys

METHODS = ('get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace')


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.lines = []

    def check(self, ok, name, problems=()):
        self.n += 1
        if not ok:
            self.failed += 1
        self.lines.append('%s %d - %s' % ('ok' if ok else 'not ok', self.n, name))
        for p in problems if not ok else ():
            for line in str(p).splitlines():
                self.lines.append('#   ' + line)

    def skip(self, name, why):
        self.n += 1
        self.lines.append('ok %d - %s # SKIP %s' % (self.n, name, why))

    def done(self):
        print('1..%d' % self.n)
        for line in self.lines:
            print(line)
        sys.stdout.flush()
        return 1 if self.failed else 0


def route_table(kluis):
    out = subprocess.run([kluis, 'serve', '--routes'], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    routes = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        method, path, roles = line.split(' ', 2)
        routes[(method.upper(), path)] = roles
    return routes


def operations(doc):
    """(METHOD, path) -> (operation, path item) for every operation of the document."""
    ops = {}
    for path, item in (doc.get('paths') or {}).items():
        if not isinstance(item, dict):
            continue
        for m in METHODS:
            if isinstance(item.get(m), dict):
                ops[(m.upper(), path)] = (item[m], item)
    return ops


def refs(node, found):
    if isinstance(node, dict):
        r = node.get('$ref')
        if isinstance(r, str):
            found.append(r)
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)
    return found


def resolve(doc, ref):
    if not ref.startswith('#/'):
        return None
    node = doc
    for part in ref[2:].split('/'):
        part = part.replace('~1', '/').replace('~0', '~')
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and '$ref' in node and seen < 16:
        node = resolve(doc, node['$ref'])
        seen += 1
    return node


def secured(doc, op):
    """An operation needs a key: its own security (else the document's) is a non-empty list
    without an empty requirement ({} would make the key optional)."""
    sec = op['security'] if 'security' in op else doc.get('security')
    return isinstance(sec, list) and len(sec) > 0 and all(bool(s) for s in sec)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write('usage: test_openapi.py KLUIS_BINARY SOURCE_ROOT\n')
        return 2
    kluis, root = sys.argv[1], sys.argv[2]
    try:
        import yaml
    except ImportError:
        print('1..0 # SKIP python3-yaml is not installed (apt-get install python3-yaml)')
        return 0
    t = Tap()
    path = os.path.join(root, 'docs', 'openapi.yaml')
    try:
        with open(path, encoding='utf-8') as f:
            doc = yaml.safe_load(f)
        t.check(isinstance(doc, dict), 'docs/openapi.yaml parses as YAML (a mapping)')
    except (OSError, yaml.YAMLError) as e:
        t.check(False, 'docs/openapi.yaml parses as YAML', [str(e)])
        return t.done()
    if not isinstance(doc, dict):
        return t.done()

    # ---- The document's frame ----------------------------------------------------------------
    version = str(doc.get('openapi', ''))
    t.check(re.fullmatch(r'3\.1\.\d+', version) is not None, 'it is OpenAPI 3.1',
            ['openapi: %r' % version])
    info = doc.get('info') or {}
    t.check(isinstance(info, dict) and bool(info.get('title')) and bool(info.get('version')),
            'info has a title and a version')
    servers = doc.get('servers')
    t.check(isinstance(servers, list) and len(servers) > 0 and
            all(isinstance(s, dict) and s.get('url') for s in servers),
            'servers lists at least one url')
    comp = doc.get('components') or {}
    schemes = comp.get('securitySchemes') or {}
    bearer = [n for n, s in schemes.items()
              if isinstance(s, dict) and s.get('type') == 'http' and
              str(s.get('scheme', '')).lower() == 'bearer']
    t.check(len(bearer) > 0, 'components.securitySchemes has an http bearer scheme')
    glob = doc.get('security') or []
    t.check(any(isinstance(s, dict) and set(s) & set(bearer) for s in glob),
            'the bearer scheme is the global security requirement', ['security: %r' % glob])
    err = deref(doc, (comp.get('schemas') or {}).get('Error'))
    ok = False
    if isinstance(err, dict):
        e = deref(doc, (err.get('properties') or {}).get('error')) or {}
        ok = ('error' in (err.get('required') or []) and
              {'code', 'message'} <= set(e.get('required') or []) and
              {'code', 'message'} <= set((e.get('properties') or {})))
    t.check(ok, 'components.schemas.Error is {"error": {"code", "message"}}')

    # ---- Routes ------------------------------------------------------------------------------
    try:
        routes = route_table(kluis)
        t.check(len(routes) > 0, '`kluis serve --routes` lists the routes (%d)' % len(routes))
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        t.check(False, '`kluis serve --routes` lists the routes', [str(e)])
        return t.done()
    ops = operations(doc)
    missing = sorted(set(routes) - set(ops), key=lambda k: (k[1], k[0]))
    extra = sorted(set(ops) - set(routes), key=lambda k: (k[1], k[0]))
    t.check(not missing and not extra,
            'the document has exactly the routes of the server (%d operations)' % len(ops),
            ['route not in docs/openapi.yaml: %s %s' % k for k in missing] +
            ['operation the server does not have: %s %s' % k for k in extra])

    # ---- Each operation ----------------------------------------------------------------------
    both = sorted(set(routes) & set(ops), key=lambda k: (k[1], k[0]))
    problems = ['%s %s has no operationId' % k for k in both if not ops[k][0].get('operationId')]
    ids = [ops[k][0].get('operationId') for k in ops if ops[k][0].get('operationId')]
    problems += ['operationId %s is used twice' % i for i in sorted(set(ids)) if ids.count(i) > 1]
    t.check(not problems, 'every operation has a unique operationId', problems)

    problems = []
    for k in both:
        want, got = routes[k], ops[k][0].get('x-kluis-roles')
        if got != want:
            problems.append('%s %s: x-kluis-roles %r, the server says %r' % (k[0], k[1], got, want))
    t.check(not problems, 'x-kluis-roles of every operation is the route table\'s roles', problems)

    problems = []
    for k in both:
        op = ops[k][0]
        public = routes[k] == 'public'
        is_secured = secured(doc, op)
        if public and is_secured:
            problems.append('%s %s is public but the document secures it (security: [])' % k)
        if not public and not is_secured:
            problems.append('%s %s needs a key but the document leaves it unsecured' % k)
    t.check(not problems, 'security: the public routes have `security: []`, the others the bearer',
            problems)

    problems = []
    for k in both:
        op = ops[k][0]
        resp = op.get('responses')
        if not isinstance(resp, dict) or not resp:
            problems.append('%s %s has no responses' % k)
            continue
        codes = set(str(c) for c in resp)
        if not any(c.startswith('2') for c in codes):
            problems.append('%s %s has no 2xx response' % k)
        if secured(doc, op):
            for c in ('401', '403', '429'):
                if c not in codes:
                    problems.append('%s %s is secured but has no %s response' % (k[0], k[1], c))
            limited = deref(doc, resp.get('429', resp.get(429)))
            if isinstance(limited, dict) and 'Retry-After' not in (limited.get('headers') or {}):
                problems.append('%s %s: its 429 has no Retry-After header' % k)
        for c, r in resp.items():
            r = deref(doc, r)
            if not isinstance(r, dict) or not r.get('description'):
                problems.append('%s %s: response %s has no description' % (k[0], k[1], c))
            elif str(c)[0] in '45' and 'application/json' not in (r.get('content') or {}):
                problems.append('%s %s: error response %s is not JSON' % (k[0], k[1], c))
    t.check(not problems, 'every operation has responses: a 2xx, and 401, 403 and 429 (with '
            'Retry-After) where secured; errors as JSON', problems)

    problems = []
    for k in both:
        op, item = ops[k]
        desc = op.get('description') or ''
        roles = routes[k].split(' (')[0].split()
        if routes[k] != 'public' and not all(r in desc for r in roles):
            problems.append('%s %s: the description does not name its roles (%s)' %
                            (k[0], k[1], ' '.join(roles)))
        if 'Key:' not in desc:
            problems.append('%s %s: the description does not say which key (Key: …)' % k)
    t.check(not problems, 'every description names the roles and the key scope', problems)

    problems = []
    for k in both:
        op, item = ops[k]
        params = [deref(doc, p) for p in (item.get('parameters') or []) +
                  (op.get('parameters') or [])]
        declared = {p.get('name') for p in params if isinstance(p, dict) and p.get('in') == 'path'}
        wanted = set(re.findall(r'\{([^}]+)\}', k[1]))
        if declared != wanted:
            problems.append('%s %s: path parameters %s, the path has %s' %
                            (k[0], k[1], sorted(declared), sorted(wanted)))
    t.check(not problems, 'every {param} of a path is a declared path parameter', problems)

    problems = ['unresolved $ref %s' % r for r in sorted(set(refs(doc, [])))
                if resolve(doc, r) is None]
    t.check(not problems, 'every $ref resolves', problems)

    # ---- The OpenAPI 3.1 schema, when a validator is at hand ------------------------------------
    try:
        from openapi_spec_validator import validate as validate_spec
    except ImportError:
        validate_spec = None
    if validate_spec is None:
        t.skip('the document is valid against the OpenAPI 3.1 schema',
               'openapi-spec-validator is not installed')
    else:
        try:
            validate_spec(doc)
            t.check(True, 'the document is valid against the OpenAPI 3.1 schema')
        except Exception as e:  # the validator's own error types vary between versions
            t.check(False, 'the document is valid against the OpenAPI 3.1 schema',
                    str(e).splitlines()[:8])
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
