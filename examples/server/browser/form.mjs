// form.mjs drives Debian's Chromium, headless, through a blueprint's form on
// a running goldenpath server, as a person would:
//
//  1. every blueprint's form in the catalog compiles its pattern attributes
//     (the browser ignores a pattern it cannot compile);
//  2. on go-service's form, an invalid name is caught by the browser itself,
//     which refuses to submit;
//  3. a value only the server can judge (tier prod with 2 replicas) is
//     submitted, and the page comes back 422 with the error next to the
//     replicas field;
//  4. the values are corrected, the file tree is previewed, and the project
//     is rendered and downloaded as a .tar.gz into DOWNLOADDIR.
//
// Usage: node form.mjs URL DOWNLOADDIR
//
// It prints one JSON object on stdout: {"archive": PATH, "steps": [...]}.
// The executable is $CHROMIUM, default /usr/bin/chromium. TestBrowser in
// examples/server runs it and checks the archive.
import { fail, launch, step, steps } from './common.mjs';
import path from 'node:path';

const [base, downloadDir] = process.argv.slice(2);
if (!base || !downloadDir) {
	console.error('usage: node form.mjs URL DOWNLOADDIR');
	process.exit(2);
}

const browser = await launch();
try {
	const context = await browser.newContext({ acceptDownloads: true });
	const page = await context.newPage();
	// Each wait ends when its page is there; the limit only catches one
	// that never comes, so it is generous: on a 2-core machine running
	// every package's tests, launching Chromium alone took 10 s.
	page.setDefaultTimeout(60000);
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(String(e)));
	page.on('console', (m) => {
		// The 422 of a rejected form is expected; its console line is not an error of the page.
		if (m.type() === 'error' && !/status of 422/.test(m.text())) pageErrors.push(m.text());
	});
	let posts = 0;
	page.on('request', (r) => {
		if (r.method() === 'POST') posts++;
	});
	step('launched');

	// 1. The catalog, and every blueprint's form.
	await page.goto(base + '/');
	const forms = await page.$$eval('.card h2 a', (as) => as.map((a) => a.getAttribute('href')));
	if (!forms.includes('/blueprints/go-service')) fail(`catalog lists no go-service form: ${forms}`);
	for (const href of forms) {
		await page.goto(base + href);
		const bad = await page.$$eval('input[pattern]', (els) =>
			els.flatMap((el) => {
				try {
					new RegExp(el.pattern, 'v');
					return [];
				} catch (e) {
					return [`${el.name}: ${el.pattern}: ${e.message}`];
				}
			}),
		);
		if (bad.length) fail(`${href}: patterns the browser cannot compile: ${bad.join('; ')}`);
	}
	step('catalog', { forms });

	// 2. The browser checks what it can: the name's pattern.
	await page.goto(base + '/');
	await page.click('a[href="/blueprints/go-service"]');
	await page.waitForSelector('#bp-form');
	await page.fill('#f-name', 'Orders_Service');
	const nameCheck = await page.$eval('#f-name', (el) => ({
		valid: el.checkValidity(),
		patternMismatch: el.validity.patternMismatch,
		message: el.validationMessage,
	}));
	if (nameCheck.valid || !nameCheck.patternMismatch) fail(`the browser accepted the name Orders_Service: ${JSON.stringify(nameCheck)}`);
	const url = page.url();
	await page.click('#download');
	await page.waitForTimeout(300);
	// The browser refuses to submit: still the same page, nothing posted.
	if (posts !== 0 || page.url() !== url || (await page.$('#form-status'))) fail('the browser submitted an invalid name');
	step('browser-check', nameCheck);

	// 3. The server checks the rest: prod needs at least 3 replicas.
	await page.fill('#f-name', 'orders');
	await page.selectOption('#f-tier', 'prod');
	await page.fill('#f-replicas', '2');
	await page.fill('#f-team', 'payments');
	// The 422 is a page the browser navigates to: wait for its document,
	// not only for the response (waitForLoadState would resolve at once on
	// the form the click left, before the new page is committed).
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST'),
		page.waitForEvent('domcontentloaded'),
		page.click('#download'),
	]);
	if (resp.status() !== 422) fail(`submitting replicas=2 with tier=prod: status ${resp.status()}, want 422`);
	const shown = await page.$eval('#f-replicas', (el) => {
		const field = el.closest('.field');
		const err = field && field.querySelector('.error');
		return {
			error: err ? err.textContent.trim() : '',
			invalid: el.getAttribute('aria-invalid'),
			describedBy: el.getAttribute('aria-describedby'),
			value: el.value,
			tier: document.querySelector('#f-tier').value,
			name: document.querySelector('#f-name').value,
		};
	});
	if (!/at least 3 replicas/.test(shown.error)) fail(`no error next to replicas: ${JSON.stringify(shown)}`);
	if (shown.invalid !== 'true' || !shown.describedBy.includes('e-replicas')) fail(`the error is not tied to the field: ${JSON.stringify(shown)}`);
	if (shown.value !== '2' || shown.tier !== 'prod' || shown.name !== 'orders') fail(`the form lost the values: ${JSON.stringify(shown)}`);
	const others = await page.$$eval('.field .error', (els) => els.length);
	if (others !== 1) fail(`${others} fields show errors, want 1`);
	step('server-check', { status: resp.status(), error: shown.error });

	// 4. Correct, preview, download.
	await page.fill('#f-replicas', '3');
	await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#preview-button')]);
	await page.waitForSelector('#preview');
	const deployment = await page.$eval('#preview li.file[data-path="deploy/k8s/deployment.yaml"] .level', (el) => el.textContent.trim());
	if (deployment !== 'shared') fail(`preview: deploy/k8s/deployment.yaml is ${deployment}, want shared`);
	if (await page.$('.field .error')) fail('preview: the form still shows errors');
	step('preview', { 'deploy/k8s/deployment.yaml': deployment });

	const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
	const failure = await download.failure();
	if (failure) fail(`download failed: ${failure}`);
	const archive = path.join(downloadDir, download.suggestedFilename());
	await download.saveAs(archive);
	step('download', { file: download.suggestedFilename() });

	// 6. The decisions at 1280 px: IDs and dates stay on one line, and a
	// record's Markdown is rendered, its rules shown once.
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.goto(base + '/decisions');
	const wrapped = await page.$$eval('td.id, td.date', (tds) =>
		tds.flatMap((td) => {
			const r = document.createRange();
			r.selectNodeContents(td);
			const lines = new Set([...r.getClientRects()].map((c) => Math.round(c.top)));
			return lines.size > 1 ? [td.textContent.trim()] : [];
		}),
	);
	if (wrapped.length) fail(`wrapped in the decisions table: ${wrapped.join(', ')}`);
	await page.goto(base + '/decisions/ADR-0007');
	const record = await page.evaluate(() => ({
		listItems: document.querySelectorAll('.prose li').length,
		paragraphs: document.querySelectorAll('.prose p').length,
		headings: document.querySelectorAll('section.md h2, section.md h3').length,
		rawMarkdown: [...document.querySelectorAll('.prose')].some((el) => /```|^\s*[*#] /m.test(el.textContent)),
		ruleRows: document.querySelectorAll('#rules tbody tr').length,
		runtimeImage: (document.body.innerText.match(/the runtime stage must be a distroless image pinned by digest/g) || []).length,
		// Code is highlighted with classes, styled by /static/code.css.
		codeTokens: document.querySelectorAll('pre.chroma span[class]').length,
		codeBackground: (() => {
			const pre = document.querySelector('pre.chroma');
			return pre ? getComputedStyle(pre).backgroundColor : '';
		})(),
	}));
	if (record.rawMarkdown) fail('ADR-0007 shows raw Markdown');
	if (!record.codeTokens) fail('ADR-0007 shows no highlighted code');
	if (record.codeBackground !== 'rgb(247, 247, 247)') fail(`the code blocks are not styled by code.css: background ${record.codeBackground}`);
	step('decision', record);

	if (pageErrors.length) fail(`errors in the page: ${pageErrors.join('; ')}`);
	console.log(JSON.stringify({ archive, steps }));
} finally {
	await browser.close();
}
