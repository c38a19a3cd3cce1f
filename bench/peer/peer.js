#!/usr/bin/env node
// peer.js -- the benchmark's peer: what a user writes instead of cbn-batch with the official
// Alibaba Cloud SDK for Node.js (@alicloud/pop-core). It reads the same jobs CSV, sends one
// CreateFlowlog per row (POST form body, HMAC-SHA1 signature v1, like cbn-batch) through a
// promise pool of N requests in flight, and prints one JSON line: rows, ok, failed, elapsed_s.
//
// usage: node peer.js JOBS.csv ENDPOINT [CONCURRENCY]
// credentials: env ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
'use strict';

const fs = require('fs');
const RPCClient = require('@alicloud/pop-core').RPCClient;

// The parameters cbn-batch sends; any other column (Owner, ...) is carried, not sent.
const SENT = /^(CenId|RegionId|ProjectName|LogStoreName|FlowLogName|Description|ClientToken|Interval|LogFormatString|TransitRouterId|TransitRouterAttachmentId|Tag\.\d+\.(Key|Value))$/i;

// A small RFC 4180 parser: quoted fields, doubled quotes, CRLF, BOM.
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [], field = '', i = 0, q = false;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        q = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { q = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r') { i++; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter(r => !(r.length === 1 && r[0].trim() === ''));
}

async function main() {
  const [file, endpoint, concArg] = process.argv.slice(2);
  if (!file || !endpoint) {
    console.error('usage: node peer.js JOBS.csv ENDPOINT [CONCURRENCY]');
    process.exit(2);
  }
  const concurrency = parseInt(concArg || '16', 10);
  const t0 = process.hrtime.bigint();
  const rows = parseCsv(fs.readFileSync(file, 'utf8'));
  const header = rows.shift().map(h => h.trim());
  const cols = [];
  header.forEach((h, k) => { if (SENT.test(h)) cols.push([h, k]); });

  const client = new RPCClient({
    accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
    accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    endpoint: endpoint,
    apiVersion: '2017-09-12',
  });

  let next = 0, ok = 0, failed = 0;
  const errors = {};
  async function worker() {
    while (next < rows.length) {
      const idx = next++;
      const r = rows[idx];
      const params = {};
      for (const [h, k] of cols) {
        const v = (r[k] || '').trim();
        if (v !== '') params[h] = v;
      }
      if (!('ClientToken' in params)) params.ClientToken = 'peer-' + idx;
      try {
        const res = await client.request('CreateFlowlog', params,
          {method: 'POST', formatParams: false, timeout: 30000});
        if (res.FlowLogId) ok++; else failed++;
      } catch (e) {
        failed++;
        const code = e.code || e.name || 'Error';
        errors[code] = (errors[code] || 0) + 1;
      }
    }
  }
  const workers = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker());
  await Promise.all(workers);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({rows: rows.length, ok, failed, elapsed_s: elapsed,
                              rows_per_s: rows.length / elapsed, errors}));
  process.exit(failed ? 1 : 0);
}

main().catch(e => { console.error(e); process.exit(2); });
