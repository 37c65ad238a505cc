// tests/host/dashboard.js: drives the dashboard page in Debian's Chromium
// (headless, through playwright-core) against a running agent, as a person
// would: loads the page, waits for a launched workload's card to show CPU use
// and its cpu.max line, checks the limits form's own validation, changes
// limits in the form (giving the token when asked), finds a watched cgroup's
// card with its CPU and cpu.max and changes its pids.max in its form, freezes
// and thaws the workload, launches one from the launch form and stops it, and saves
// screenshots at 1280x800 and at phone width. Fails on any console error,
// uncaught exception or CSP violation.
//   node tests/host/dashboard.js   (settings in the environment:)
//   CGW_URL        http://127.0.0.1:PORT
//   CGW_TOKEN      the agent's bearer token (typed into the page's dialog)
//   CGW_WORKLOAD   a running workload that burns CPU under a cpu.max
//   CGW_SET_CPU    the cpu.max to type into the form (e.g. 0.3)
//   CGW_SET_MEM    the memory.max to type into the form (e.g. 96M)
//   CGW_WATCHED    id of a watched cgroup (/batch/job) that burns CPU under a cpu.max
//   CGW_WATCHED_CPU  its cpu.max in CPUs (e.g. 0.2)
//   CGW_SET_PIDS   the pids.max to type into its form (e.g. 64)
//   CGW_LAUNCH     name of the workload to launch from the page's form
//   CGW_ARTIFACTS  where to write dashboard.png, dashboard-phone.png
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../web/node_modules/playwright-core'));

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set`);
	return process.env[k];
};
const URL = env('CGW_URL'), TOKEN = env('CGW_TOKEN'), W = env('CGW_WORKLOAD');
const SET_CPU = env('CGW_SET_CPU'), SET_MEM = env('CGW_SET_MEM'), LAUNCH = env('CGW_LAUNCH');
const WATCHED = env('CGW_WATCHED'), WATCHED_CPU = env('CGW_WATCHED_CPU'), SET_PIDS = env('CGW_SET_PIDS');
const OUT = env('CGW_ARTIFACTS');
const T = 180000; /* the guest is emulated: generous waits, always for a condition */

const problems = [];
const expected = []; /* HTTP errors the test provokes on purpose */
let allow = null; /* the status of the one HTTP error the current step provokes */
let step = 'start';
let current = null; /* the page, for a screenshot when a step fails */
const log = (...a) => console.error(`# [${step}]`, ...a);

function watch(page, label) {
	page.on('console', (m) => {
		/* Chromium logs every HTTP error of a fetch; only the one provoked is allowed */
		if (allow && m.text().includes(`status of ${allow}`)) {
			expected.push(m.text());
			return;
		}
		if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text()))
			problems.push(`${label} console ${m.type()} during ${step}: ${m.text()} ${JSON.stringify(m.location())}`);
	});
	page.on('pageerror', (e) => problems.push(`${label} uncaught exception during ${step}: ${e.message}`));
	page.on('requestfailed', (r) => {
		/* the event stream is cut when the page closes: not a fault */
		if (!/events\/stream/.test(r.url())) problems.push(`${label} request failed during ${step}: ${r.url()} ${r.failure()?.errorText}`);
	});
}

/* Every CSP violation, reported by the page itself from its first moment. */
const CSP_PROBE = () => {
	window.__csp = [];
	document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
};

/* Pixels of a color (the limit lines' #c62828) in a canvas: the line is drawn. */
const countColor = ([sel, rgb]) => {
	const c = document.querySelector(sel);
	if (!c) return -1;
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	let n = 0;
	for (let i = 0; i < d.length; i += 4)
		if (Math.abs(d[i] - rgb[0]) < 30 && Math.abs(d[i + 1] - rgb[1]) < 30 && Math.abs(d[i + 2] - rgb[2]) < 30 && d[i + 3] > 200) n++;
	return n;
};

/* Waits until the canvas at sel holds at least min pixels of rgb (a
 * chart's line drawn over a few polls); answers the count. */
async function waitPixels(page, sel, rgb, min) {
	let n = -1;
	for (const end = Date.now() + T; Date.now() < end; await page.waitForTimeout(500)) {
		n = await page.evaluate(countColor, [sel, rgb]);
		if (n >= min) return n;
	}
	throw new Error(`the line of rgb(${rgb}) is not drawn in ${sel} (${n} pixels after ${T / 1000} s)`);
}

/* Provokes one HTTP error from the agent and waits for it to show in the
 * element at sel (with its status); Chromium's console line for it is
 * expected, no other. */
async function provoke(page, status, act, sel) {
	const saved = step;
	step = `${saved}: the agent's ${status}`;
	allow = status;
	expected.length = 0;
	await act();
	await page.waitForFunction(([s, st]) => document.querySelector(s)?.textContent.includes(`(${st} `), [sel, status], { timeout: T });
	log('the agent\'s error shown:', await page.locator(sel).textContent());
	for (let i = 0; i < 100 && !expected.length; i++) await page.waitForTimeout(100); /* console events come apart */
	allow = null;
	step = saved;
	if (expected.length !== 1) throw new Error(`expected one HTTP ${status} logged, saw ${expected.length}`);
}

async function main() {
	const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
	try {
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		await ctx.addInitScript(CSP_PROBE);
		const page = await ctx.newPage();
		current = page;
		watch(page, 'desktop');
		const mutations = [];
		page.on('request', (r) => { if (r.method() !== 'GET') mutations.push(`${r.method()} ${r.url()}`); });

		step = 'load';
		const res = await page.goto(URL);
		if (res.status() !== 200) throw new Error(`GET / answered ${res.status()}`);
		const csp = res.headers()['content-security-policy'] || '';
		if (!/default-src 'self'/.test(csp)) throw new Error(`no CSP default-src 'self' on the page: ${csp}`);
		await page.waitForFunction(() => typeof uPlot === 'function' && document.querySelectorAll('.uplot').length >= 4, null, { timeout: T });

		step = 'workload card';
		const card = page.locator(`article.card[data-workload="${W}"]`);
		await card.waitFor({ state: 'visible', timeout: T });
		/* CPU in use, under a cpu.max that the figures and the chart show */
		await page.waitForFunction((w) => {
			const t = document.querySelector(`article.card[data-workload="${w}"] .f-cpu`)?.textContent || '';
			const m = /^(\d+\.\d+) of (\d+\.\d+) cores/.exec(t);
			return m && +m[1] > 0.01 && +m[2] > 0;
		}, W, { timeout: T });
		const cpuText = await card.locator('.f-cpu').textContent();
		log('cpu figure:', cpuText);
		const state = await card.locator('.badge.state').textContent();
		if (!/running/i.test(state)) throw new Error(`state badge says "${state}", not running`);
		/* the line grows a poll at a time from the first two samples */
		const red = await waitPixels(page, `article.card[data-workload="${W}"] .c-cpu canvas`, [198, 40, 40], 20);
		log('cpu.max line pixels:', red);

		step = 'limits form: validation';
		await card.locator('details.limits > summary').click();
		const form = card.locator('form.limits-form');
		const input = (name) => form.locator(`input[name="${name}"]`);
		await page.waitForFunction((w) => {
			const i = document.querySelector(`article.card[data-workload="${w}"] input[name="cpu.max"]`);
			return i && i.value !== '';
		}, W, { timeout: T });
		log('form read back cpu.max', await input('cpu.max').inputValue(), 'memory.max', await input('memory.max').inputValue());
		/* an empty cpuset field shows the set in effect, from the snapshot */
		const cpusHint = await input('cpuset.cpus').getAttribute('placeholder');
		if (!/^in effect: \d/.test(cpusHint || '')) throw new Error(`cpuset.cpus does not show the CPUs in effect ("${cpusHint}")`);
		const before = mutations.length;
		await input('pids.max').fill('lots');
		await input('cpu.weight').fill('0');
		await form.locator('button[type=submit]').click();
		const pidsErr = await form.locator('[data-error-for="pids.max"]').textContent();
		const weightErr = await form.locator('[data-error-for="cpu.weight"]').textContent();
		if (!pidsErr || !weightErr) throw new Error(`no error next to the bad fields (pids.max "${pidsErr}", cpu.weight "${weightErr}")`);
		if ((await input('pids.max').getAttribute('aria-invalid')) !== 'true') throw new Error('pids.max is not marked invalid');
		if (mutations.length !== before) throw new Error(`an invalid form was sent: ${mutations.slice(before)}`);
		log('validation errors:', pidsErr, '|', weightErr);

		step = 'limits form: apply';
		await form.locator('button.reload').click();
		await page.waitForFunction((w) => document.querySelector(`article.card[data-workload="${w}"] input[name="pids.max"]`).value !== 'lots', W, { timeout: T });
		await input('cpu.max').fill(SET_CPU);
		await input('memory.max').fill(SET_MEM);
		await form.locator('button[type=submit]').click();
		/* no token yet: the page asks for it */
		const dlg = page.locator('#token-dialog');
		await dlg.waitFor({ state: 'visible', timeout: T });
		await page.fill('#token-input', TOKEN);
		await dlg.locator('button[value=ok]').click();
		await page.waitForFunction((w) => /applied/.test(document.querySelector(`article.card[data-workload="${w}"] .limits-form .ok-msg`).textContent), W, { timeout: T });
		const formErr = await form.locator('.error').allTextContents();
		if (formErr.some((t) => t)) throw new Error(`errors after applying: ${formErr.join(' | ')}`);
		if (!(await page.evaluate(() => sessionStorage.getItem('cgwarden.token')))) throw new Error('the token is not kept in sessionStorage');
		/* the figures follow the new cpu.max */
		await page.waitForFunction(([w, cpu]) => {
			const t = document.querySelector(`article.card[data-workload="${w}"] .f-cpu`)?.textContent || '';
			const m = / of (\d+\.\d+)/.exec(t);
			return m && Math.abs(+m[1] - cpu) < 0.005;
		}, [W, +SET_CPU], { timeout: T });
		log('after apply:', await card.locator('.f-cpu').textContent(), '/', await card.locator('.f-mem').textContent());

		/* a value only the kernel refuses (no such CPU): its 422 shows next to the field */
		await provoke(page, 422, async () => {
			await input('cpuset.cpus').fill('999');
			await form.locator('button[type=submit]').click();
		}, `article.card[data-workload="${W}"] [data-error-for="cpuset.cpus"]`);

		step = 'watched cgroup';
		const wsel = `article.card[data-cgroup="${WATCHED}"]`;
		const wcard = page.locator(wsel);
		await wcard.waitFor({ state: 'visible', timeout: T });
		const kind = await wcard.locator('.kind').textContent();
		if (kind !== 'watched') throw new Error(`the card of ${WATCHED} says "${kind}", not watched`);
		if (await wcard.locator('.controls button:visible').count()) throw new Error(`the watched cgroup ${WATCHED} shows lifecycle buttons`);
		await page.waitForFunction(([sel, cpu]) => {
			const m = /^(\d+\.\d+) of (\d+\.\d+) cores/.exec(document.querySelector(`${sel} .f-cpu`)?.textContent || '');
			return m && +m[1] > 0.01 && Math.abs(+m[2] - cpu) < 0.005;
		}, [wsel, +WATCHED_CPU], { timeout: T });
		log('watched cpu figure:', await wcard.locator('.f-cpu').textContent(), 'cpu.max line pixels:',
			await waitPixels(page, `${wsel} .c-cpu canvas`, [198, 40, 40], 20));
		await wcard.locator('details.limits > summary').click();
		const wform = wcard.locator('form.limits-form');
		await page.waitForFunction((sel) => document.querySelector(`${sel} input[name="cpu.max"]`).value !== '', wsel, { timeout: T });
		const wcpu = await wform.locator('input[name="cpu.max"]').inputValue();
		if (+wcpu !== +WATCHED_CPU) throw new Error(`the watched cgroup's form read cpu.max "${wcpu}", not ${WATCHED_CPU}`);
		await wform.locator('input[name="pids.max"]').fill(SET_PIDS);
		await wform.locator('button[type=submit]').click();
		await page.waitForFunction((sel) => /applied/.test(document.querySelector(`${sel} .limits-form .ok-msg`).textContent), wsel, { timeout: T });
		const wErr = await wform.locator('.error').allTextContents();
		if (wErr.some((t) => t)) throw new Error(`errors after applying to ${WATCHED}: ${wErr.join(' | ')}`);
		await page.waitForFunction(([sel, n]) => new RegExp(` of ${n}$`).test(document.querySelector(`${sel} .pids-text`).textContent), [wsel, SET_PIDS], { timeout: T });
		log('watched pids:', await wcard.locator('.pids-text').textContent());
		await wcard.locator('details.limits > summary').click();

		step = 'freeze and thaw';
		await card.locator('button[data-action=freeze]').click();
		await page.waitForFunction((w) => /frozen/i.test(document.querySelector(`article.card[data-workload="${w}"] .badge.state`).textContent), W, { timeout: T });
		await card.locator('button[data-action=thaw]').click();
		await page.waitForFunction((w) => /running/i.test(document.querySelector(`article.card[data-workload="${w}"] .badge.state`).textContent), W, { timeout: T });

		step = 'launch form';
		await page.locator('#launch > summary').click();
		await page.fill('#launch-name', LAUNCH);
		await page.fill('#launch-command', 'exec sleep 100000');
		await page.fill('#launch-cpu', '50%');
		await page.fill('#launch-mem', '1X');
		await page.locator('#launch-form button[type=submit]').click();
		const memErr = await page.locator('#launch-form [data-error-for="limits.memory.max"]').textContent();
		if (!memErr) throw new Error('the launch form took memory.max "1X"');
		await page.fill('#launch-mem', '64M');
		/* a name taken: the agent's error (409, field "name") shows next to the field */
		await provoke(page, 409, async () => {
			await page.fill('#launch-name', W);
			await page.locator('#launch-form button[type=submit]').click();
		}, '#launch-form [data-error-for="name"]');
		await page.fill('#launch-name', LAUNCH);
		await page.locator('#launch-form button[type=submit]').click();
		const launched = page.locator(`article.card[data-workload="${LAUNCH}"]`);
		await launched.waitFor({ state: 'visible', timeout: T });
		await page.waitForFunction((w) => /running/i.test(document.querySelector(`article.card[data-workload="${w}"] .badge.state`)?.textContent || ''), LAUNCH, { timeout: T });
		step = 'stop';
		await launched.locator('button[data-action=stop]').click();
		await page.waitForFunction((w) => {
			const s = document.querySelector(`article.card[data-workload="${w}"] .badge.state`)?.textContent || '';
			return s && !/running|stopping/i.test(s);
		}, LAUNCH, { timeout: T });
		log('launched and stopped:', await launched.locator('.badge.state').textContent());

		step = 'events';
		await page.waitForFunction(() => document.querySelectorAll('#events-body tr').length > 0, null, { timeout: T });
		log('event rows:', await page.locator('#events-body tr').count(), 'live:', await page.locator('#events-live').textContent());

		step = 'screenshot';
		/* let the chart run a few polls under the new limit */
		const polls = await page.evaluate(() => document.querySelector('#poll-status').textContent);
		await page.waitForFunction((p) => document.querySelector('#poll-status').textContent !== p, polls, { timeout: T });
		await page.locator('details.limits[open] > summary').first().click();
		await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
		const violations = await page.evaluate(() => window.__csp);
		if (violations.length) problems.push(`CSP violations: ${violations.join('; ')}`);
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		if (overflow > 1) problems.push(`the page is ${overflow}px wider than 1280`);

		step = 'phone';
		const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
		await phone.addInitScript(CSP_PROBE);
		const pp = await phone.newPage();
		current = pp;
		watch(pp, 'phone');
		await pp.goto(URL);
		await pp.locator(`article.card[data-workload="${W}"]`).waitFor({ state: 'visible', timeout: T });
		await pp.waitForFunction((w) => /^\d+\.\d+ of .* cores/.test(document.querySelector(`article.card[data-workload="${w}"] .f-cpu`).textContent), W, { timeout: T });
		const pOverflow = await pp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		if (pOverflow > 1) problems.push(`at phone width the page is ${pOverflow}px too wide`);
		await pp.screenshot({ path: path.join(OUT, 'dashboard-phone.png'), fullPage: true });
		const pv = await pp.evaluate(() => window.__csp);
		if (pv.length) problems.push(`phone CSP violations: ${pv.join('; ')}`);
		await phone.close();
		await ctx.close();
	} catch (e) {
		if (current) await current.screenshot({ path: path.join(OUT, 'dashboard-failure.png'), fullPage: true }).catch(() => {});
		throw e;
	} finally {
		await browser.close();
	}
}

main().then(() => {
	if (problems.length) {
		console.log(`not ok: ${problems.length} problem(s)`);
		for (const p of problems) console.log(`  ${p}`);
		process.exit(1);
	}
	console.log('ok');
}, (e) => {
	console.log(`not ok: at step "${step}": ${e.message}`);
	for (const p of problems) console.log(`  ${p}`);
	process.exit(1);
});
