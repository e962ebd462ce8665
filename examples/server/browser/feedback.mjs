// feedback.mjs drives Debian's Chromium, headless, through the feedback side
// of a running goldenpath server whose store holds a small fleet's signals:
//
//  1. from the catalog's navigation, the report, in a 1280×900 window: its
//     three charts are drawn (inline SVG, visible, with the bars and titles
//     the fleet gives), with no script and no error under the page's
//     Content-Security-Policy; every chart label is whole (no "…") and fits
//     the space it has (its column, the chart), and the page does not
//     scroll sideways;
//  2. on go-service's page, the rating form: the browser itself refuses a
//     rating without a score;
//  3. a rating of 4 with a comment and a name is sent; the server redirects
//     back to the page (post/redirect/get), which thanks;
//  4. the report counts the new rating.
//
// Usage: node feedback.mjs URL
//
// It prints one JSON object on stdout: {"charts": {...}, "steps": [...]}.
// The executable is $CHROMIUM, default /usr/bin/chromium.
// TestBrowserFeedback in examples/server runs it, then checks the store.
import { fail, launch, step, steps } from './common.mjs';

const [base] = process.argv.slice(2);
if (!base) {
	console.error('usage: node feedback.mjs URL');
	process.exit(2);
}

const browser = await launch();
try {
	const page = await browser.newPage();
	// Each wait ends when its page is there; the limit only catches one
	// that never comes, so it is generous: on a 2-core machine running
	// every package's tests, launching Chromium alone took 10 s.
	page.setDefaultTimeout(60000);
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(String(e)));
	page.on('console', (m) => {
		if (m.type() === 'error') pageErrors.push(m.text());
	});
	const posts = [];
	page.on('request', (r) => {
		if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
	});
	step('launched');

	// 1. The report, from the navigation, and its charts, at 1280 px.
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.goto(base + '/');
	await Promise.all([page.waitForURL(base + '/report'), page.click('nav a[href="/report"]')]);
	const charts = {};
	for (const id of ['chart-compliance', 'chart-desire', 'chart-spread']) {
		const svg = page.locator(`svg#${id}`);
		await svg.waitFor({ state: 'visible' });
		const box = await svg.boundingBox();
		if (!box || box.width < 300 || box.height < 40) fail(`${id} is not drawn: ${JSON.stringify(box)}`);
		const info = await svg.evaluate((el) => ({
			title: el.querySelector(':scope > title').textContent,
			bars: el.querySelectorAll('g.bar').length,
			segments: [...el.querySelectorAll('rect.seg')].map((r) => ({
				title: r.querySelector('title').textContent,
				width: r.getBoundingClientRect().width,
			})),
			legend: [...el.querySelectorAll('g.legend text')].map((t) => t.textContent),
		}));
		if (info.segments.some((s) => !(s.width > 0))) fail(`${id} has a segment of no width: ${JSON.stringify(info.segments)}`);
		charts[id] = { title: info.title, bars: info.bars, segments: info.segments.length, legend: info.legend, width: Math.round(box.width) };
		charts[id].first = info.segments[0].title;
		const fit = await labelsFit(svg, id);
		Object.assign(charts[id], { labels: fit.labels, lines: fit.lines, tightest: fit.tightest });
	}
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	if (overflow > 0) fail(`the report scrolls sideways by ${overflow}px at 1280px`);
	const cut = await page.$$eval('#desire-paths .desire h3 code', (cs) =>
		cs.filter((c) => c.getBoundingClientRect().right > c.closest('.desire').getBoundingClientRect().right + 0.5).map((c) => c.textContent));
	if (cut.length) fail(`desire-path files run out of their box: ${cut.join(', ')}`);
	const revisit = await page.$$eval('ol.revisit > li h3', (hs) => hs.map((h) => h.textContent.replace(/\s+/g, ' ').trim()));
	if (!/^ADR-0012 /.test(revisit[0] || '')) fail(`the revisit list starts with ${revisit[0]}`);
	step('report', { revisit: revisit.length });

	// 2. The rating form, reached from the catalog; without a score the
	// browser refuses to send it.
	await page.goto(base + '/');
	await page.click('a[href="/blueprints/go-service"]');
	await page.waitForSelector('#rate-form');
	await page.fill('#rate-comment', 'Fast to start; the <b>CI</b> is slow');
	await page.fill('#rate-by', 'playwright');
	const before = posts.length;
	await page.click('#rate-submit');
	await page.waitForTimeout(300);
	const scoreMissing = await page.$eval('input[name="score"]', (el) => el.validity.valueMissing);
	if (posts.length !== before || !scoreMissing) fail(`the browser sent a rating without a score (posts ${posts}, valueMissing ${scoreMissing})`);
	step('browser-check', { valueMissing: scoreMissing });

	// 3. Score 4, sent: 303 back to the page, which thanks.
	await page.check('input[name="score"][value="4"]');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/blueprints/go-service/rate'),
		page.click('#rate-submit'),
	]);
	if (resp.status() !== 303) fail(`POST /blueprints/go-service/rate: ${resp.status()}, want 303`);
	await page.waitForSelector('#rate-thanks');
	const url = new URL(page.url());
	if (url.pathname !== '/blueprints/go-service' || url.searchParams.get('rated') !== '1' || url.hash !== '#rate') fail(`redirected to ${page.url()}`);
	if (!(await page.isVisible('#rate-thanks'))) fail('the thank-you notice is not visible');
	// The form is fresh again: nothing checked, nothing kept.
	const fresh = await page.$$eval('input[name="score"]:checked', (els) => els.length);
	if (fresh !== 0 || (await page.inputValue('#rate-comment')) !== '') fail('the form still holds the rating sent');
	step('rated', { status: resp.status(), url: url.pathname + url.search + url.hash });

	// 4. The report counts it: four ratings of go-service now.
	await page.goto(base + '/report');
	const ratings = await page.$eval('#bp-go-service td:last-child', (td) => td.textContent.trim());
	if (!/\(4 ratings\)/.test(ratings)) fail(`the report shows go-service's ratings as ${ratings}`);
	step('report-again', { ratings });

	if (posts.filter((p) => p.endsWith('/rate')).length !== 1) fail(`posts: ${posts}`);
	if (pageErrors.length) fail(`errors in the page: ${pageErrors.join('; ')}`);
	console.log(JSON.stringify({ charts, steps }));
} finally {
	await browser.close();
}

// labelsFit checks, in the browser's own text metrics, that every label of
// the chart svg is whole and has the room it needs: no "…" in its text; each
// of its lines no longer than its column (a label is right-aligned at the
// column's edge, so the room is its x); its box inside the chart's and left
// of its bar; every other text (notes, legend) inside the chart. It returns
// the labels' texts (lines joined), their numbers of lines, and the largest
// share of its column a line takes.
async function labelsFit(svg, id) {
	const res = await svg.evaluate((el) => {
		const problems = [];
		const labels = [];
		const lineCounts = [];
		let tightest = 0;
		const box = el.getBoundingClientRect();
		const pad = 0.5;
		for (const g of el.querySelectorAll('g.bar')) {
			const text = g.querySelector('text[text-anchor="end"]');
			if (!text) {
				problems.push('a bar without a label');
				continue;
			}
			const tspans = [...text.querySelectorAll('tspan')];
			const lines = tspans.length ? tspans : [text];
			const own = (n) => [...n.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE).map((c) => c.data).join('');
			const whole = tspans.length ? tspans.map((t) => t.textContent).join('') : own(text);
			labels.push(whole);
			lineCounts.push(lines.length);
			if (whole.includes('…')) problems.push(`label cut: ${JSON.stringify(whole)}`);
			const room = text.x.baseVal[0].value;
			for (const line of lines) {
				const len = line.getComputedTextLength();
				tightest = Math.max(tightest, len / room);
				if (len > room + pad) problems.push(`label line ${JSON.stringify(line.textContent)} is ${len.toFixed(1)} long, its column ${room}`);
			}
			const r = text.getBoundingClientRect();
			if (r.left < box.left - pad || r.top < box.top - pad || r.bottom > box.bottom + pad)
				problems.push(`label ${JSON.stringify(whole)} at ${JSON.stringify(r)} is outside the chart ${JSON.stringify(box)}`);
			const seg = g.querySelector('rect.seg');
			if (seg && r.right > seg.getBoundingClientRect().left + pad) problems.push(`label ${JSON.stringify(whole)} runs into its bar`);
		}
		for (const t of el.querySelectorAll('text:not([text-anchor="end"])')) {
			const r = t.getBoundingClientRect();
			if (r.left < box.left - pad || r.right > box.right + pad || r.bottom > box.bottom + pad)
				problems.push(`text ${JSON.stringify(t.textContent)} runs out of the chart`);
		}
		return { problems, labels, lines: lineCounts, tightest: Math.round(tightest * 100) / 100 };
	});
	if (res.problems.length) fail(`${id} at 1280px: ${res.problems.join('; ')}`);
	return res;
}
