// nunjucks-render.js NJK_DIR VALUES_JSON OUT renders every .njk file of
// NJK_DIR with nunjucks (the template engine of Backstage's software
// templates) as the plain Go program does with text/template: read, compile,
// render, write, SHA-256 — one file at a time.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const nunjucks = require('nunjucks');

const [dir, valuesFile, out] = process.argv.slice(2);
const values = JSON.parse(fs.readFileSync(valuesFile, 'utf8'));
const env = new nunjucks.Environment(null, { autoescape: false });

function walk(rel) {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) { walk(r); continue; }
    const text = env.renderString(fs.readFileSync(path.join(dir, r), 'utf8'), values);
    const dst = path.join(out, r.replace(/\.njk$/, ''));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.writeFileSync(dst, text);
    crypto.createHash('sha256').update(text).digest();
  }
}
walk('');
