// translate.js TEMPLATE_DIR WORK writes the benchmark workload (the Go
// templates benchbaseline -gen writes) for each peer: hygen (EJS) in
// WORK/hygen/_templates/bench/new, plop (Handlebars) in WORK/plop, nunjucks in
// WORK/njk. The workload uses three constructs only — {{.vN}}, {{if .flag}}…
// {{end}} and {{range .items}}…{{.}}…{{end}} — so the translation is textual.
'use strict';
const fs = require('fs');
const path = require('path');

const [tdir, work] = process.argv.slice(2);
if (!tdir || !work) {
  console.error('usage: node translate.js TEMPLATE_DIR WORK');
  process.exit(2);
}

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

// Each peer's spelling of the three constructs.
const syntax = {
  hygen: {
    v: (n) => `<%- v${n} %>`,
    ifOpen: '<% if (flag) { -%>', ifClose: '<% } -%>',
    rangeOpen: '<% items.forEach(function (it) { -%>', item: '<%- it %>', rangeClose: '<% }) -%>',
  },
  plop: {
    v: (n) => `{{{v${n}}}}`,
    ifOpen: '{{#if flag}}', ifClose: '{{/if}}',
    rangeOpen: '{{#each items}}', item: '{{{this}}}', rangeClose: '{{/each}}',
  },
  njk: {
    v: (n) => `{{ v${n} }}`,
    ifOpen: '{% if flag %}', ifClose: '{% endif %}',
    rangeOpen: '{% for it in items %}', item: '{{ it }}', rangeClose: '{% endfor %}',
  },
};

function translate(src, s) {
  // Ends close the construct opened last: the workload never nests them.
  const open = [];
  return src.replace(/\{\{(\.v(\d)|if \.flag|range \.items|\.|end)\}\}/g, (m, what, n) => {
    if (n !== undefined) return s.v(n);
    if (what === 'if .flag') { open.push('if'); return s.ifOpen; }
    if (what === 'range .items') { open.push('range'); return s.rangeOpen; }
    if (what === '.') return s.item;
    return open.pop() === 'if' ? s.ifClose : s.rangeClose;
  });
}

const files = walk(tdir);
const actions = [];
for (const rel of files) {
  const src = fs.readFileSync(path.join(tdir, rel), 'utf8');
  const out = rel.replace(/\.tmpl$/, '');
  // hygen: one .ejs.t per file, its destination in the front matter.
  const h = path.join(work, 'hygen/_templates/bench/new', out + '.ejs.t');
  fs.mkdirSync(path.dirname(h), { recursive: true });
  // EJS's "-%>" swallows the newline after a tag; the Go template keeps
  // it, so the translated lines keep their own newlines in the text.
  fs.writeFileSync(h, `---\nto: <%= out %>/${out}\n---\n` + translate(src, syntax.hygen));
  // plop: one .hbs per file and one add action each.
  const p = path.join(work, 'plop/tpl', out + '.hbs');
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, translate(src, syntax.plop));
  actions.push(out);
  // nunjucks: one .njk per file.
  const j = path.join(work, 'njk', out + '.njk');
  fs.mkdirSync(path.dirname(j), { recursive: true });
  fs.writeFileSync(j, translate(src, syntax.njk));
}

const values = {
  v0: 'alpha', v1: 'bravo', v2: 'charlie', v3: 'delta', v4: 'echo',
  v5: 5, v6: 6, v7: 7, v8: true, v9: 'india', flag: true,
  items: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
};
fs.writeFileSync(path.join(work, 'values.json'), JSON.stringify(values));
fs.writeFileSync(path.join(work, 'hygen/_templates/bench/new/index.js'),
  `module.exports = { params: ({ args }) => Object.assign(${JSON.stringify(values)}, { out: args.out }) };\n`);
fs.writeFileSync(path.join(work, 'plop/plopfile.js'), `'use strict';
const files = ${JSON.stringify(actions)};
const data = ${JSON.stringify(values)};
module.exports = function (plop) {
  plop.setGenerator('bench', {
    prompts: [],
    actions: files.map((f) => ({ type: 'add', path: process.env.OUT + '/' + f, templateFile: 'tpl/' + f + '.hbs', data, abortOnFail: true })),
  });
};
`);
