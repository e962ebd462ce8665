// feedback.mjs drives Debian's Chromium, headless, through the feedback side
// of a running goldenpath server whose store holds a small fleet's signals:
//
//  1. from the catalog's navigation, the report: its three charts are drawn
//     (inline SVG, visible, with the bars and titles the fleet gives), with
//     no script and no error under the page's Content-Security-Policy;
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
	page.setDefaultTimeout(15000);
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

	// 1. The report, from the navigation, and its charts.
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
	}
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
