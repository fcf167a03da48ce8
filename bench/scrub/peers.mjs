// bench/scrub: the npm peers' throughput on the same corpus (bench/scrub/README.md).
//   node peers.mjs CORPUS [MEGABYTES]
// Run from a directory where `npm install redact-pii @redactpii/node openredaction` was done
// (NODE_PATH is not used by ES modules; bench/scrub/run sets that up in a temporary directory).
// Each peer redacts the first MEGABYTES (default 4) of the corpus in chunks of whole lines of
// about 64 KiB — larger than one line, so per-call overhead does not count against it — and
// the best of three runs is printed as MB/s.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'x.js'));
const [, , corpusPath, mbArg] = process.argv;
const mb = Number(mbArg || 4);
const all = fs.readFileSync(corpusPath);
let cut = all.indexOf(10, Math.min(all.length - 1, mb * 1e6));
if (cut < 0) cut = all.length;
const text = all.subarray(0, cut + 1).toString('utf8');
const bytes = Buffer.byteLength(text);
const chunks = [];
for (let p = 0; p < text.length;) {
  let e = text.indexOf('\n', p + 65536);
  if (e < 0) e = text.length - 1;
  chunks.push(text.slice(p, e + 1));
  p = e + 1;
}

async function time(name, fn) {
  let best = Infinity;
  let out = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint();
    out = 0;
    for (const c of chunks) out += (await fn(c)).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < best) best = s;
    if (s > 30) break; // slow enough: one run says it
  }
  console.log(`| ${name} | ${(bytes / 1e6).toFixed(1)} MB | ${best.toFixed(2)} s | ` +
              `${(bytes / best / 1e6).toFixed(2)} MB/s |`);
}

console.log('| peer | bytes | time (best of 3) | throughput |\n|---|---:|---:|---:|');
{
  const { SyncRedactor } = require('redact-pii');
  const r = new SyncRedactor();
  await time('redact-pii (SyncRedactor)', (c) => r.redact(c));
}
{
  const { Redactor } = await import(require.resolve('@redactpii/node'));
  const r = new Redactor();
  await time('@redactpii/node (Redactor)', (c) => r.redact(c));
}
{
  const { OpenRedaction } = await import(require.resolve('openredaction'));
  const r = new OpenRedaction({ redactionMode: 'placeholder' });
  await time('openredaction (detect)', async (c) => (await r.detect(c)).redacted);
}
