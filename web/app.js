/* cgwarden's dashboard: polls the JSON API (/api/v1/info, /api/v1/cgroups,
 * /api/v1/workloads) at the agent's poll interval, follows the event stream
 * (/api/v1/events/stream), draws charts with uPlot, and sends limit changes
 * and lifecycle actions with the bearer token kept in sessionStorage.
 * Served under Content-Security-Policy: default-src 'self': no eval, no
 * inline handlers, no inline styles; DOM built with textContent only. */
'use strict';

(() => {
	const WINDOW_S = 300; /* the charts show the last 5 minutes */
	const TOKEN_KEY = 'cgwarden.token';
	const MiB = 1024 * 1024;
	const COLORS = {
		use: '#2463eb', useFill: 'rgba(36, 99, 235, 0.12)', limit: '#c62828', high: '#e08a00',
		read: '#2463eb', write: '#8e44ad', cpu: '#2463eb', memory: '#1b7f3b', io: '#8e44ad', total: '#5b6475',
	};

	/* ---------- small DOM helpers ---------- */

	const $ = (sel, root = document) => root.querySelector(sel);
	const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

	function el(tag, props = {}, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(props)) {
			if (v === undefined || v === null || v === false) continue;
			if (k === 'text') e.textContent = v;
			else if (k === 'class') e.className = v;
			else if (k in e && k !== 'list') e[k] = v;
			else e.setAttribute(k, v === true ? '' : v);
		}
		for (const c of children) if (c !== null && c !== undefined) e.append(c);
		return e;
	}

	/* ---------- units ---------- */

	const num = (v) => typeof v === 'number' && Number.isFinite(v);
	const fixed = (v, d) => (num(v) ? v.toFixed(d) : '–');
	const fmtCores = (v) => (num(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} cores` : '–');
	const fmtMiB = (b) => (num(b) ? `${(b / MiB).toFixed(b < 10 * MiB ? 2 : 1)} MiB` : '–');
	const fmtMBps = (v) => (num(v) ? `${(v / 1e6).toFixed(2)} MB/s` : '–');
	const fmtPct = (v) => (num(v) ? `${v.toFixed(1)} %` : '–');
	const isMax = (v) => v === 'max' || v === null || (num(v) && v >= 2 ** 62);
	const fmtLimitBytes = (v) => (v === undefined ? '' : isMax(v) ? 'max' : fmtMiB(v));

	/* Limit values as a person would type them: 268435456 -> "256M". */
	function sizeText(v) {
		if (v === undefined || v === null) return '';
		if (isMax(v)) return 'max';
		if (!num(v)) return String(v);
		for (const [s, m] of [['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]])
			if (v >= m && v % m === 0) return `${v / m}${s}`;
		return String(v);
	}

	function timeText(t) {
		const d = typeof t === 'number' ? new Date(t > 1e12 ? t : t * 1000) : new Date(t);
		if (Number.isNaN(d.getTime())) return String(t ?? '');
		return d.toLocaleTimeString([], { hour12: false });
	}

	/* ---------- notices: one line per problem, never a blank page ---------- */

	const notices = new Map();
	function notice(key, text, bad = false) {
		let p = notices.get(key);
		if (!p) {
			p = el('p', { class: 'notice', 'data-notice': key });
			notices.set(key, p);
			$('#notices').append(p);
		}
		p.classList.toggle('bad', bad);
		if (p.textContent !== text) p.textContent = text;
	}
	function clearNotice(key) {
		const p = notices.get(key);
		if (p) {
			p.remove();
			notices.delete(key);
		}
	}

	/* ---------- the API ---------- */

	class ApiError extends Error {
		constructor(status, body, fallback) {
			const e = body && body.error ? body.error : {};
			super(e.message || fallback || `HTTP ${status}`);
			this.status = status;
			this.code = e.code || '';
			this.field = e.field || '';
		}
	}

	let token = sessionStorage.getItem(TOKEN_KEY) || '';
	let authReads = false;

	async function request(method, path, body) {
		const headers = { Accept: 'application/json' };
		if (token && (method !== 'GET' || authReads)) headers.Authorization = `Bearer ${token}`;
		const init = { method, headers, cache: 'no-store', credentials: 'omit' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		let res;
		try {
			res = await fetch(path, init);
		} catch (e) {
			throw new ApiError(0, null, `the agent did not answer (${e.message})`);
		}
		const text = await res.text();
		let json = null;
		if (text) {
			try {
				json = JSON.parse(text);
			} catch (e) {
				if (res.ok) throw new ApiError(res.status, null, `${path}: the answer is not JSON`);
			}
		}
		if (!res.ok) throw new ApiError(res.status, json, `${method} ${path}: HTTP ${res.status}`);
		return json;
	}

	/* A GET for the polling loop: a route this agent does not serve (an
	 * older or newer agent: 404, 405, 501) becomes a notice and null. */
	const missing = new Map(); /* path -> when to ask again */
	async function poll(url, what) {
		const path = url.replace(/\?.*/, '');
		if ((missing.get(path) || 0) > Date.now()) return null;
		try {
			const j = await request('GET', url);
			clearNotice(path);
			missing.delete(path);
			return j;
		} catch (e) {
			if (e.status === 501 || e.status === 404 || e.status === 405) {
				/* ask a missing route again now and then, not every poll */
				missing.set(path, Date.now() + 15000);
				notice(path, `${what}: this agent does not serve ${path} (${e.status}${e.message ? `: ${e.message}` : ''}).`);
			}
			else if (e.status === 401)
				notice(path, `${what}: the agent wants the token for reads (--auth-reads): set it with "Set token".`, true);
			else if (e.status !== 0) notice(path, `${what}: ${e.message}`, true);
			if (e.status === 0) throw e;
			return null;
		}
	}

	/* A mutation: asks for the token first when there is none, and again
	 * once when the agent refuses it. */
	async function mutate(method, path, body) {
		if (!token && !(await askToken('Changes need the API token.'))) throw new ApiError(401, null, 'no token given');
		try {
			return await request(method, path, body);
		} catch (e) {
			if (e.status !== 401) throw e;
			if (!(await askToken(`The agent refused the token: ${e.message}`, true))) throw e;
			return request(method, path, body);
		}
	}

	/* ---------- the token dialog ---------- */

	function askToken(reason, refused = false) {
		const dlg = $('#token-dialog');
		$('#token-reason').textContent = reason || '';
		$('#token-reason').className = refused ? 'error' : '';
		$('#token-input').value = '';
		return new Promise((resolve) => {
			dlg.addEventListener('close', () => {
				const v = $('#token-input').value.trim();
				if (dlg.returnValue === 'ok' && v) {
					token = v;
					sessionStorage.setItem(TOKEN_KEY, v);
					updateTokenButton();
					resolve(true);
				} else resolve(false);
			}, { once: true });
			dlg.showModal();
			$('#token-input').focus();
		});
	}
	function updateTokenButton() {
		$('#token-button').textContent = token ? 'Token set ✓' : 'Set token';
	}

	/* ---------- the API's shape, read in one place ----------
	 * Fields are read by these accessors only, so a change of the JSON
	 * touches this block and nothing else. */

	const get = (o, path) => path.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
	const listOf = (j, key) => (j && Array.isArray(j[key]) ? j[key] : []);
	/* A counter: a JSON number, or a decimal string past 2^53 (docs/api.md);
	 * a double is exact enough for the rates drawn. */
	const count = (v) => (num(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

	const shape = {
		/* GET /api/v1/cgroups (docs/api.md, "Cgroups (monitoring)"): the
		 * poller's snapshot {"seq", "time_ms", "interval_ms", "host", "cgroups"}.
		 * A file the kernel lacks leaves its key out: undefined, never 0. */
		cgroups: (j) => listOf(j, 'cgroups'),
		host: (j) => j.host,
		time: (j) => (num(j.time_ms) ? j.time_ms / 1000 : Date.now() / 1000), /* seconds, for the charts */
		seq: (j) => j.seq,
		intervalMs: (j) => j.interval_ms,
		id: (c) => c.id, /* the path below the cgroup root */
		/* the workload whose own cgroup this is (managed), else undefined */
		workloadOf: (c) => (c.managed ? c.workload : undefined),
		/* the workload a cgroup is below, for its sub-cgroups */
		inWorkload: (c) => c.workload,
		cpuUsec: (c) => count(get(c, 'cpu.usage_usec')),
		memCurrent: (c) => count(get(c, 'memory.current')),
		oomKills: (c) => count(get(c, 'memory.events.oom_kill')),
		/* io.stat summed over devices; no devices yet is 0, no io key is unknown */
		io: (c) => {
			const devs = get(c, 'io.devices');
			if (!Array.isArray(devs)) return undefined;
			let r = 0, w = 0;
			for (const d of devs) {
				r += count(d.rbytes) || 0;
				w += count(d.wbytes) || 0;
			}
			return { r, w };
		},
		pidsCurrent: (c) => count(get(c, 'pids.current')),
		/* PSI of a cgroup or of the host: avg10 in percent, total in µs */
		psi: (c, res, kind) => {
			const p = get(c, `psi.${res}.${kind}`);
			return p ? { avg10: p.avg10, total: count(p.total) } : undefined;
		},
		/* the GET .../limits shape, but cpuset as cpus_effective, mems_effective */
		limits: (c) => c.limits || {},
		cpusEffective: (lim) => get(lim, 'cpuset.cpus_effective'),
		memsEffective: (lim) => get(lim, 'cpuset.mems_effective'),
		frozen: (c) => c.frozen,
		/* Host: cpus, clk_tck, stat (/proc/stat cpu line, ticks), memory (bytes), psi */
		hostCpus: (h) => h.cpus,
		hostMemTotal: (h) => count(get(h, 'memory.total')),
		hostMemAvailable: (h) => count(get(h, 'memory.available')),
		hostCpuTicks: (h) => {
			const s = h.stat;
			if (!s || !num(count(s.idle))) return undefined;
			const busy = ['user', 'nice', 'system', 'irq', 'softirq', 'steal'].reduce((a, k) => a + (count(s[k]) || 0), 0);
			return { busy, all: busy + count(s.idle) + (count(s.iowait) || 0), hz: num(h.clk_tck) && h.clk_tck > 0 ? h.clk_tck : 100 };
		},
		/* Workloads: GET /api/v1/workloads {"workloads": [...]} */
		workloads: (j) => listOf(j, 'workloads'),
		wName: (w) => w.name,
		wState: (w) => w.state, /* created, running, frozen, exited, failed */
		wCgroup: (w) => w.cgroup,
		wRestarts: (w) => w.restarts,
		wExit: (w) => {
			const parts = [];
			if (w.exit_reason) parts.push(String(w.exit_reason));
			if (num(w.exit_code)) parts.push(`exit ${w.exit_code}`);
			if (w.exit_signal) parts.push(`signal ${w.exit_signal}`);
			return parts.join(', ');
		},
		wCommand: (w) => (Array.isArray(w.command) ? w.command.join(' ') : ''),
		wPid: (w) => w.pid,
		wError: (w) => w.error,
		wLimits: (w) => w.limits, /* what the kernel holds, in the limits shape */
		/* Events: GET /api/v1/events {"events", "next_since", "more"}; the stream's data */
		events: (j) => listOf(j, 'events'),
		eId: (e) => e.id,
		eTime: (e) => e.time,
		eWorkload: (e) => e.workload || '',
		eActor: (e) => e.actor || '',
		eAction: (e) => e.action || '',
		eOld: (e) => e.old,
		eNew: (e) => e.new,
		eReason: (e) => e.reason || '',
	};

	/* Limits in the API's shape (agent/limits.h: read back, cpu.max is in
	 * CPUs, sizes in bytes, "max" for none) -> the numbers the charts draw. */
	function limitLines(lim) {
		const cpuMax = get(lim, 'cpu.max');
		let cores = null;
		if (num(cpuMax)) cores = cpuMax;
		else if (typeof cpuMax === 'string' && /%$/.test(cpuMax)) cores = parseFloat(cpuMax) / 100;
		const bytes = (v) => (num(v) && !isMax(v) ? v : typeof v === 'string' && !isMax(v) ? parseSize(v) : null);
		const pids = get(lim, 'pids.max');
		return {
			cores,
			memMax: bytes(get(lim, 'memory.max')),
			memHigh: bytes(get(lim, 'memory.high')),
			pidsMax: num(pids) && !isMax(pids) ? pids : null,
		};
	}

	/* ---------- validation, as the API does it (agent/limits.h) ---------- */

	const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)(i?B?)$/i;
	function parseSize(s) {
		const m = SIZE_RE.exec(String(s).trim());
		if (!m) return null;
		const mult = 1024 ** ' KMGTPE'.indexOf((m[2] || ' ').toUpperCase());
		return Math.round(parseFloat(m[1]) * mult);
	}
	const CPULIST_RE = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
	const DEVICE_RE = /^(\/dev\/[\w./-]+|\d+:\d+)$/;

	/* Each check takes the text typed and returns [value to send] or an
	 * error string; the rules and ranges are agent/limits.c's. */
	const whole = (s, lo, hi) => /^\d+$/.test(s) && +s >= lo && +s <= hi;
	const checks = {
		cpu(s) {
			if (s === 'max') return ['max'];
			let m = /^(\d+(?:\.\d{1,4})?)%$/.exec(s);
			if (m) return +m[1] >= 0.1 ? (+m[1] <= 1e8 ? [s] : 'at most 100000000%') : 'at least 0.1% of a CPU (the kernel\'s minimum quota)';
			if (/^\d+(?:\.\d+)?$/.test(s)) return +s >= 0.001 ? (+s <= 1e6 ? [+s] : 'at most 1000000 CPUs') : 'at least 0.001 CPUs (the kernel\'s minimum quota)';
			return 'a number of CPUs (1.5), a percentage of one CPU (50%) or max';
		},
		size(s, min = 0) {
			if (s === 'max') return ['max'];
			const m = /^(\d+)([KMGT]?)$/.exec(s);
			if (!m) return 'bytes, or a whole number with K, M, G or T (256M; 1024-based), or max';
			const n = parseSize(s);
			if (n >= 2 ** 63) return 'must be below 2^63 bytes';
			if (n < min) return `at least ${min}, or max`;
			return [m[2] ? s : +s > 2 ** 53 ? s : +s];
		},
		pids(s) {
			if (s === 'max') return ['max'];
			return whole(s, 0, 4194304) ? [+s] : 'a whole number from 0 to 4194304, or max';
		},
		weight(s) {
			return whole(s, 1, 10000) ? [+s] : 'a whole number from 1 to 10000';
		},
		period(s) {
			return whole(s, 1000, 1000000) ? [+s] : 'microseconds, a whole number from 1000 to 1000000';
		},
		cpulist(s) {
			return CPULIST_RE.test(s) && s.split(/[-,]/).every((x) => +x <= 65535) ? [s] : 'a list like 0-1,3';
		},
		device(s) {
			return DEVICE_RE.test(s) ? [s] : 'a device path (/dev/vda) or MAJ:MIN (254:0)';
		},
		rate(s) { return checks.size(s, 2); },
		iops(s) {
			if (s === 'max') return ['max'];
			return whole(s, 2, 4294967295) ? [+s] : 'a whole number from 2 to 4294967295, or max';
		},
	};

	/* The limits form, one row per API field. */
	const LIMIT_FIELDS = [
		{ path: 'cpu.max', label: 'CPU max', hint: 'cores, % or max', check: 'cpu' },
		{ path: 'cpu.period_us', label: 'CPU period', hint: 'µs', check: 'period' },
		{ path: 'cpu.weight', label: 'CPU weight', hint: '1–10000', check: 'weight' },
		{ path: 'memory.max', label: 'Memory max', hint: 'bytes, K/M/G, max', check: 'size' },
		{ path: 'memory.high', label: 'Memory high', hint: 'bytes, K/M/G, max', check: 'size' },
		{ path: 'memory.low', label: 'Memory low', hint: 'bytes, K/M/G', check: 'size' },
		{ path: 'memory.min', label: 'Memory min', hint: 'bytes, K/M/G', check: 'size' },
		{ path: 'memory.swap_max', label: 'Swap max', hint: 'bytes, K/M/G, max', check: 'size' },
		{ path: 'pids.max', label: 'Pids max', hint: 'count or max', check: 'pids' },
		{ path: 'io.weight', label: 'I/O weight', hint: '1–10000', check: 'weight' },
		{ path: 'cpuset.cpus', label: 'CPUs', hint: 'e.g. 0-1', check: 'cpulist' },
		{ path: 'cpuset.mems', label: 'Memory nodes', hint: 'e.g. 0', check: 'cpulist' },
	];
	const IO_FIELDS = [
		{ key: 'device', label: 'Device', hint: '/dev/vda or 254:0', check: 'device' },
		{ key: 'rbps', label: 'Read', hint: 'bytes/s, K/M, max', check: 'rate' },
		{ key: 'wbps', label: 'Write', hint: 'bytes/s, K/M, max', check: 'rate' },
		{ key: 'riops', label: 'Read IOPS', hint: 'count or max', check: 'iops' },
		{ key: 'wiops', label: 'Write IOPS', hint: 'count or max', check: 'iops' },
	];

	function limitText(path, v) {
		if (v === undefined || v === null) return '';
		if (path.startsWith('memory.') || path.endsWith('bps')) return sizeText(v);
		if (isMax(v)) return 'max';
		return String(v);
	}

	function setPath(obj, path, value) {
		const keys = path.split('.');
		let o = obj;
		for (const k of keys.slice(0, -1)) o = o[k] || (o[k] = {});
		o[keys[keys.length - 1]] = value;
	}

	function fieldError(form, name, msg) {
		const span = $$('[data-error-for]', form).find((s) => s.dataset.errorFor === name);
		const input = $$('input', form).find((i) => i.name === name);
		if (input) input.setAttribute('aria-invalid', msg ? 'true' : 'false');
		if (span) span.textContent = msg || '';
		return Boolean(span);
	}
	function clearErrors(form) {
		for (const s of $$('[data-error-for]', form)) s.textContent = '';
		for (const i of $$('input', form)) i.removeAttribute('aria-invalid');
	}
	/* The API's error next to its field ("limits.memory.max", "memory.max",
	 * "io.max[0].rbps"), else at the form's foot. */
	function showApiError(form, e, prefixes) {
		const f = e.field || '';
		const text = `${e.message}${e.code ? ` (${e.status} ${e.code}${f ? `, field ${f}` : ''})` : ''}`;
		for (const p of ['', ...prefixes]) {
			if (f && f.startsWith(p) && fieldError(form, f.slice(p.length), text)) return;
		}
		fieldError(form, '', text);
	}

	/* ---------- charts ---------- */

	const resizer = new ResizeObserver((entries) => {
		for (const en of entries) {
			const c = en.target.cgwChart;
			if (c) c.resize();
		}
	});

	class Chart {
		/* series: [{label, color, dash, fill, fmt}], floor: the smallest top of the y axis */
		constructor(host, series, { floor = 1, fmt = (v) => fixed(v, 2), height = 130 } = {}) {
			this.host = host;
			this.height = height;
			this.fmt = fmt;
			const opts = {
				width: Math.max(host.clientWidth, 200),
				height,
				cursor: { drag: { x: false, y: false } },
				legend: { live: true },
				/* at least a minute across, so the first polls do not spread over the chart */
				scales: { x: { time: true, range: (u, lo, hi) => [lo, Math.max(hi, lo + 60)] }, y: { range: (u, lo, hi) => [0, Math.max(floor, num(hi) ? hi * 1.15 : floor)] } },
				axes: [
					{ stroke: '#5b6475', grid: { stroke: '#eceef2' }, ticks: { stroke: '#dde1e8' }, size: 30 },
					{ stroke: '#5b6475', grid: { stroke: '#eceef2' }, ticks: { stroke: '#dde1e8' }, size: 46,
						values: (u, vals) => vals.map((v) => this.tick(v)) },
				],
				series: [{ value: (u, v) => (v == null ? '' : timeText(v)) }, ...series.map((s) => ({
					label: s.label,
					stroke: s.color,
					width: s.dash ? 1.5 : 1.5,
					dash: s.dash ? [6, 4] : undefined,
					fill: s.fill,
					spanGaps: false,
					points: { show: false },
					value: (u, v) => (v == null ? '–' : this.fmt(v)),
				}))],
			};
			this.u = new uPlot(opts, [[], ...series.map(() => [])], host);
			host.cgwChart = this;
			resizer.observe(host);
		}
		tick(v) {
			if (!num(v)) return '';
			if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k`;
			return Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);
		}
		resize() {
			const w = Math.floor(this.host.clientWidth);
			if (w > 0 && w !== this.u.width) this.u.setSize({ width: w, height: this.height });
		}
		set(data) {
			this.u.setData(data);
			/* the legend shows the latest values unless the pointer is on the chart */
			if (!(this.u.cursor.left >= 0) && data[0].length) this.u.setLegend({ idx: data[0].length - 1 });
		}
		destroy() { resizer.unobserve(this.host); this.u.destroy(); }
	}

	/* A time series store: a shared time column and named value columns,
	 * trimmed to WINDOW_S. */
	class History {
		constructor(keys) {
			this.t = [];
			this.cols = Object.fromEntries(keys.map((k) => [k, []]));
		}
		push(t, values) {
			this.t.push(t);
			for (const k of Object.keys(this.cols)) this.cols[k].push(num(values[k]) ? values[k] : null);
			while (this.t.length && this.t[0] < t - WINDOW_S) {
				this.t.shift();
				for (const k of Object.keys(this.cols)) this.cols[k].shift();
			}
		}
		data(keys) { return [this.t, ...keys.map((k) => this.cols[k])]; }
	}

	/* Per second rate of a counter between two samples, or undefined. */
	function rate(cur, prev, dt, scale = 1) {
		if (!num(cur) || !num(prev) || !(dt > 0) || cur < prev) return undefined;
		return ((cur - prev) / dt) * scale;
	}
	/* Per second rates of counters over the last RATE_S seconds of samples:
	 * on a loaded machine polls come unevenly, and a rate one poll apart
	 * jumps around what the cgroup really used. */
	const RATE_S = 5;
	class Rates {
		constructor() { this.s = []; }
		/* values: {key: counter}; answers {key: per second}, undefined
		 * until there are two samples */
		push(t, values) {
			const s = this.s;
			s.push({ t, values });
			while (s.length > 2 && s[1].t <= t - RATE_S) s.shift();
			const base = s[0], out = {};
			for (const [k, cur] of Object.entries(values)) {
				out[k] = s.length > 1 ? rate(cur, base.values[k], t - base.t) : undefined;
				/* a counter went back (the cgroup was made anew): start over */
				if (num(cur) && num(base.values[k]) && cur < base.values[k]) this.s = [s[s.length - 1]];
			}
			return out;
		}
	}

	/* PSI in percent: the kernel's avg10 (a 10 s average, already in %) */
	const psiPct = (p) => (p && num(p.avg10) ? p.avg10 : undefined);

	/* ---------- state ---------- */

	const st = {
		info: null,
		intervalMs: 1000,
		host: { prevT: 0, rates: new Rates(), hist: new History(['cpu', 'cpus', 'mem', 'memTotal', ...psiKeys()]), charts: null },
		cards: new Map(), /* key -> card */
		workloads: new Map(), /* name -> workload JSON */
		failures: 0,
	};
	function psiKeys() {
		return ['cpu', 'memory', 'io'].flatMap((r) => [`${r}_some`, `${r}_full`]);
	}

	/* ---------- host panel ---------- */

	function hostCharts() {
		if (st.host.charts) return st.host.charts;
		st.host.charts = {
			cpu: new Chart($('#host-cpu'), [
				{ label: 'used', color: COLORS.use, fill: COLORS.useFill },
				{ label: 'CPUs', color: COLORS.total, dash: true },
			], { floor: 0.1, fmt: fmtCores }),
			mem: new Chart($('#host-mem'), [
				{ label: 'used', color: COLORS.memory, fill: 'rgba(27, 127, 59, 0.12)' },
				{ label: 'total', color: COLORS.total, dash: true },
			], { floor: 1, fmt: (v) => `${fixed(v, 0)} MiB` }),
			some: new Chart($('#host-psi-some'), [
				{ label: 'cpu', color: COLORS.cpu }, { label: 'memory', color: COLORS.memory }, { label: 'io', color: COLORS.io },
			], { floor: 1, fmt: fmtPct }),
			full: new Chart($('#host-psi-full'), [
				{ label: 'cpu', color: COLORS.cpu }, { label: 'memory', color: COLORS.memory }, { label: 'io', color: COLORS.io },
			], { floor: 1, fmt: fmtPct }),
		};
		return st.host.charts;
	}

	function updateHost(h, t) {
		const charts = hostCharts();
		if (!h) {
			notice('host', 'Host: the snapshot of /api/v1/cgroups has no host figures.');
			return;
		}
		clearNotice('host');
		const dt = t - st.host.prevT;
		if (!(dt > 0)) return; /* the same snapshot again */
		st.host.prevT = t;
		const v = {};
		const ticks = shape.hostCpuTicks(h);
		v.cpus = shape.hostCpus(h);
		const r = st.host.rates.push(t, { busy: ticks && ticks.busy });
		if (num(r.busy)) v.cpu = r.busy / ticks.hz;
		const total = shape.hostMemTotal(h), avail = shape.hostMemAvailable(h);
		const used = num(total) && num(avail) ? total - avail : undefined;
		v.mem = num(used) ? used / MiB : undefined;
		v.memTotal = num(total) ? total / MiB : undefined;
		for (const res of ['cpu', 'memory', 'io'])
			for (const k of ['some', 'full']) v[`${res}_${k}`] = psiPct(shape.psi(h, res, k));
		const hh = st.host.hist;
		hh.push(t, v);
		charts.cpu.set(hh.data(['cpu', 'cpus']));
		charts.mem.set(hh.data(['mem', 'memTotal']));
		charts.some.set(hh.data(['cpu_some', 'memory_some', 'io_some']));
		charts.full.set(hh.data(['cpu_full', 'memory_full', 'io_full']));
		const fig = $('#host-figures');
		fig.replaceChildren(
			el('span', {}, 'CPU ', el('b', { text: num(v.cpu) ? `${v.cpu.toFixed(2)}` : '–' }), num(v.cpus) ? ` of ${Math.round(v.cpus)} cores` : ' cores'),
			el('span', {}, 'Memory ', el('b', { text: fmtMiB(used) }), num(total) ? ` of ${fmtMiB(total)}` : ''),
			el('span', {}, 'PSI some cpu / mem / io ', el('b', { text: ['cpu', 'memory', 'io'].map((r) => fixed(v[`${r}_some`], 1)).join(' / ') }), ' %'),
		);
	}

	/* ---------- cards ---------- */

	function cardKey(workloadName, cgroupId) {
		return workloadName ? `w:${workloadName}` : `c:${cgroupId}`;
	}

	function makeCard(key, { workload, cgroupId, inWorkload }) {
		const node = $('#card-template').content.firstElementChild.cloneNode(true);
		node.dataset.key = key;
		if (workload) node.dataset.workload = workload;
		if (cgroupId) node.dataset.cgroup = cgroupId;
		$('.card-name', node).textContent = workload || cgroupId;
		/* a cgroup below a workload's own (its nested groups), else one under a --watch root */
		$('.kind', node).textContent = workload ? 'workload' : inWorkload ? `in ${inWorkload}` : 'watched';
		const card = {
			key, node, workload, cgroupId, prev: null, prevT: 0, rates: new Rates(), limits: {}, lines: limitLines({}), cpuset: {},
			hist: new History(['cpu', 'cpuMax', 'mem', 'memMax', 'memHigh', 'ior', 'iow', ...psiKeys()]),
			charts: null, seen: true,
		};
		if (!workload) for (const b of $$('.controls button', node)) b.hidden = true;
		for (const b of $$('.controls button', node)) b.addEventListener('click', () => lifecycle(card, b.dataset.action, b));
		const det = $('details.limits', node);
		det.addEventListener('toggle', () => { if (det.open) loadLimits(card); });
		buildLimitsForm(card);
		$('#cards').append(node);
		card.charts = {
			cpu: new Chart($('.c-cpu', node), [
				{ label: 'used', color: COLORS.use, fill: COLORS.useFill },
				{ label: 'cpu.max', color: COLORS.limit, dash: true },
			], { floor: 0.05, fmt: fmtCores }),
			mem: new Chart($('.c-mem', node), [
				{ label: 'current', color: COLORS.memory, fill: 'rgba(27, 127, 59, 0.12)' },
				{ label: 'memory.max', color: COLORS.limit, dash: true },
				{ label: 'memory.high', color: COLORS.high, dash: true },
			], { floor: 1, fmt: (v) => `${fixed(v, v < 10 ? 2 : 1)} MiB` }),
			io: new Chart($('.c-io', node), [
				{ label: 'read', color: COLORS.read }, { label: 'write', color: COLORS.write },
			], { floor: 0.1, fmt: (v) => `${fixed(v, 2)} MB/s` }),
			psi: new Chart($('.c-psi', node), [
				{ label: 'cpu', color: COLORS.cpu }, { label: 'mem', color: COLORS.memory }, { label: 'io', color: COLORS.io },
				{ label: 'mem full', color: COLORS.memory, dash: true }, { label: 'io full', color: COLORS.io, dash: true },
			], { floor: 1, fmt: fmtPct }),
		};
		st.cards.set(key, card);
		return card;
	}

	function updateCardStats(card, c, t) {
		const dt = t - card.prevT;
		card.prev = c;
		if (!(dt > 0)) return; /* the same snapshot again */
		card.prevT = t;
		const lim = shape.limits(c);
		if (Object.keys(lim).length) {
			card.limits = lim;
			card.lines = limitLines(lim);
			card.cpuset = { cpus: shape.cpusEffective(lim), mems: shape.memsEffective(lim) };
		}
		const v = { cpuMax: card.lines.cores, memMax: card.lines.memMax, memHigh: card.lines.memHigh };
		const mem = shape.memCurrent(c);
		v.mem = num(mem) ? mem / MiB : undefined;
		for (const k of ['memMax', 'memHigh']) v[k] = num(v[k]) ? v[k] / MiB : undefined;
		const io = shape.io(c);
		const r = card.rates.push(t, { cpu: shape.cpuUsec(c), ior: io && io.r, iow: io && io.w });
		/* µs per second -> cores; bytes per second -> MB/s */
		for (const k of ['cpu', 'ior', 'iow']) v[k] = num(r[k]) ? r[k] * 1e-6 : undefined;
		for (const res of ['cpu', 'memory', 'io'])
			for (const k of ['some', 'full']) v[`${res}_${k}`] = psiPct(shape.psi(c, res, k));
		card.hist.push(t, v);
		const h = card.hist;
		card.charts.cpu.set(h.data(['cpu', 'cpuMax']));
		card.charts.mem.set(h.data(['mem', 'memMax', 'memHigh']));
		card.charts.io.set(h.data(['ior', 'iow']));
		card.charts.psi.set(h.data(['cpu_some', 'memory_some', 'io_some', 'memory_full', 'io_full']));

		showFigures(card, v, mem, io ? v : null, shape.pidsCurrent(c));
		const ooms = shape.oomKills(c);
		card.oomText = num(ooms) && ooms > 0 ? `OOM kills: ${ooms}` : '';
	}

	/* The figures above the charts; before the first poll of its cgroup a
	 * card shows its limits alone. */
	function showFigures(card, v, mem, io, pids) {
		const n = card.node;
		$('.f-cpu', n).textContent = `${fixed(v.cpu, 2)}${num(card.lines.cores) ? ` of ${fixed(card.lines.cores, 2)}` : ''} cores`;
		$('.f-mem', n).textContent = `${fmtMiB(mem)}${card.lines.memMax ? ` of ${fmtMiB(card.lines.memMax)}` : ''}`;
		$('.f-io', n).textContent = io ? `${fixed(io.ior, 2)} / ${fixed(io.iow, 2)} MB/s` : '–';
		$('.f-psi', n).textContent = `${['cpu', 'memory', 'io'].map((r) => fixed(v[`${r}_some`], 1)).join(' / ')} %`;
		const pmax = card.lines.pidsMax;
		const meter = $('.pids-meter', n);
		meter.hidden = !(num(pmax) && pmax > 0);
		meter.max = meter.hidden ? 1 : pmax;
		meter.value = num(pids) && !meter.hidden ? pids : 0;
		$('.pids-text', n).textContent = `${num(pids) ? pids : '–'} of ${num(pmax) ? pmax : 'max (unlimited)'}`;
	}

	function updateCardHead(card, w, c) {
		const n = card.node;
		let state = w ? shape.wState(w) : undefined;
		if (!state && c) state = shape.frozen(c) ? 'frozen' : '';
		const badge = $('.state', n);
		badge.textContent = state || '';
		badge.className = `badge state${state ? ` state-${String(state).toLowerCase()}` : ''}`;
		const sub = [];
		if (w) {
			const cmd = shape.wCommand(w);
			if (cmd) sub.push(cmd);
			const pid = shape.wPid(w);
			if (num(pid) && pid > 0) sub.push(`pid ${pid}`);
			const restarts = shape.wRestarts(w);
			if (num(restarts)) sub.push(`restarts ${restarts}`);
			const exit = shape.wExit(w);
			if (exit) sub.push(`last exit: ${exit}`);
		}
		if (card.oomText) sub.push(card.oomText);
		const err = w && shape.wError(w);
		if (err) sub.push(`error: ${err}`);
		if (card.workload) {
			const id = c ? shape.id(c) : w && shape.wCgroup(w);
			if (id) sub.push(`cgroup ${id}`);
		}
		/* the workload's own limits until its cgroup's snapshot has them */
		const wl = w && shape.wLimits(w);
		if (wl && (!c || !Object.keys(shape.limits(c)).length)) {
			card.limits = wl;
			card.lines = limitLines(wl);
			if (!card.prev) showFigures(card, {}, undefined, null, undefined);
		}
		$('.card-sub', n).textContent = sub.join(' · ');
		if (w) {
			const s = String(state || '').toLowerCase();
			const running = s === 'running' || s === 'starting';
			const frozen = s === 'frozen';
			const show = { stop: running || frozen, kill: running || frozen, freeze: running, thaw: frozen, start: !running && !frozen };
			for (const b of $$('.controls button', n)) b.hidden = !show[b.dataset.action];
		}
	}

	function render(cgroupsJson, workloadsJson, t) {
		const seen = new Set();
		const byWorkload = new Map();
		/* A failed poll keeps what was shown. */
		if (!cgroupsJson) for (const [key, card] of st.cards) if (card.cgroupId && !card.workload) seen.add(key);
		for (const c of cgroupsJson ? shape.cgroups(cgroupsJson) : []) {
			const wname = shape.workloadOf(c);
			const key = cardKey(wname, shape.id(c));
			seen.add(key);
			if (wname) byWorkload.set(wname, c);
			const card = st.cards.get(key) || makeCard(key, { workload: wname, cgroupId: shape.id(c), inWorkload: shape.inWorkload(c) });
			card.cgroupId = shape.id(c);
			card.node.dataset.cgroup = card.cgroupId;
			updateCardStats(card, c, t);
		}
		if (workloadsJson) {
			st.workloads.clear();
			for (const w of shape.workloads(workloadsJson)) st.workloads.set(shape.wName(w), w);
		}
		for (const [name, w] of st.workloads) {
			const key = cardKey(name);
			seen.add(key);
			const card = st.cards.get(key) || makeCard(key, { workload: name });
			updateCardHead(card, w, byWorkload.get(name));
		}
		for (const [key, card] of st.cards) {
			if (!card.workload) updateCardHead(card, null, card.prev);
			card.node.classList.toggle('gone', !seen.has(key));
			if (!seen.has(key) && !card.workload) {
				/* a watched cgroup that vanished: keep it greyed for a window, then drop it */
				if ((card.goneSince ||= t) < t - WINDOW_S) {
					Object.values(card.charts).forEach((ch) => ch.destroy());
					card.node.remove();
					st.cards.delete(key);
				}
			} else if (!seen.has(key)) {
				Object.values(card.charts).forEach((ch) => ch.destroy());
				card.node.remove();
				st.cards.delete(key);
			} else card.goneSince = 0;
		}
		$('#cards-empty').hidden = st.cards.size > 0;
	}

	/* ---------- lifecycle buttons ---------- */

	async function lifecycle(card, action, button) {
		const msg = $('.control-msg', card.node);
		msg.classList.remove('bad');
		msg.textContent = `${action}…`;
		button.disabled = true;
		try {
			await mutate('POST', `/api/v1/workloads/${encodeURIComponent(card.workload)}/${action}`);
			msg.textContent = `${action}: done`;
			tick(true);
		} catch (e) {
			msg.classList.add('bad');
			msg.textContent = `${action}: ${e.message}${e.code ? ` (${e.status} ${e.code})` : ''}`;
		} finally {
			button.disabled = false;
		}
	}

	/* ---------- the limits form ---------- */

	function inputField(name, label, hint, id) {
		return el('div', { class: 'field' },
			el('label', { htmlFor: id, text: `${label} (${hint})` }),
			el('input', { id, name, autocomplete: 'off', spellcheck: false }),
			el('span', { class: 'error', 'data-error-for': name }));
	}

	let formSeq = 0;
	function buildLimitsForm(card) {
		const form = $('.limits-form', card.node);
		const id = `lf${++formSeq}`;
		for (const f of LIMIT_FIELDS) form.append(inputField(f.path, f.label, f.hint, `${id}-${f.path.replace('.', '-')}`));
		const io = el('fieldset', { class: 'io' }, el('legend', { text: 'I/O max (one device)' }));
		const grid = el('div', { class: 'io-grid' });
		for (const f of IO_FIELDS) grid.append(inputField(`io.max[0].${f.key}`, f.label, f.hint, `${id}-io-${f.key}`));
		io.append(grid);
		form.append(io, el('div', { class: 'actions' },
			el('button', { type: 'submit', text: 'Apply' }),
			el('button', { type: 'button', class: 'quiet reload', text: 'Reload' }),
			el('span', { class: 'ok-msg', role: 'status' }),
			el('span', { class: 'error form-error', 'data-error-for': '' })));
		form.addEventListener('submit', (ev) => { ev.preventDefault(); applyLimits(card); });
		$('.reload', form).addEventListener('click', () => loadLimits(card));
	}

	function limitsPath(card) {
		return card.workload
			? `/api/v1/workloads/${encodeURIComponent(card.workload)}/limits`
			/* the id without its leading '/': the limits routes take a relative path */
			: `/api/v1/cgroups/${card.cgroupId.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/')}/limits`;
	}

	async function loadLimits(card) {
		const form = $('.limits-form', card.node);
		clearErrors(form);
		$('.ok-msg', form).textContent = 'reading…';
		let lim;
		try {
			lim = await request('GET', limitsPath(card));
		} catch (e) {
			$('.ok-msg', form).textContent = '';
			/* Fall back on the limits in the latest snapshot. */
			lim = card.limits;
			fieldError(form, '', `could not read the limits: ${e.message}${Object.keys(lim || {}).length ? ' (showing those of the last poll)' : ''}`);
		}
		lim = lim && lim.limits ? lim.limits : lim || {};
		card.formLimits = {};
		for (const f of LIMIT_FIELDS) card.formLimits[f.path] = limitText(f.path, get(lim, f.path));
		const io0 = Array.isArray(get(lim, 'io.max')) ? get(lim, 'io.max')[0] : undefined;
		for (const f of IO_FIELDS) card.formLimits[`io.max[0].${f.key}`] = io0 ? limitText(f.key, io0[f.key]) : '';
		for (const i of $$('input', form)) i.value = card.formLimits[i.name] ?? '';
		/* an empty cpuset is the parent's: show what is in effect (the snapshot's) */
		for (const [name, v] of [['cpuset.cpus', card.cpuset.cpus], ['cpuset.mems', card.cpuset.mems]]) {
			const i = $$('input', form).find((x) => x.name === name);
			if (i) i.placeholder = v ? `in effect: ${v}` : '';
		}
		if ($('.ok-msg', form).textContent === 'reading…') $('.ok-msg', form).textContent = '';
	}

	/* Builds the PATCH body from the fields changed since the last read;
	 * every field is checked before anything is sent. */
	function limitsBody(card, form) {
		const body = {};
		let bad = false;
		const orig = card.formLimits || {};
		for (const f of LIMIT_FIELDS) {
			const input = $$('input', form).find((i) => i.name === f.path);
			const s = input.value.trim();
			if (s === (orig[f.path] ?? '') || s === '') continue;
			const r = checks[f.check](s);
			if (typeof r === 'string') { fieldError(form, f.path, r); bad = true; } else setPath(body, f.path, r[0]);
		}
		/* cpu.max and cpu.period_us together: the quota they make is known */
		const cmax = get(body, 'cpu.max'), per = get(body, 'cpu.period_us');
		if (num(cmax) || typeof cmax === 'string' && cmax.endsWith('%')) {
			const cores = num(cmax) ? cmax : parseFloat(cmax) / 100;
			const period = per || +(orig['cpu.period_us'] || 100000);
			if (cores * period < 1000) { fieldError(form, 'cpu.max', `gives a quota below 1000 µs per ${period} µs period (the kernel's minimum)`); bad = true; }
		}
		const io = {};
		let ioChanged = false;
		for (const f of IO_FIELDS) {
			const name = `io.max[0].${f.key}`;
			const s = $$('input', form).find((i) => i.name === name).value.trim();
			if (s !== (orig[name] ?? '')) ioChanged = true;
			if (s === '') continue;
			const r = checks[f.check](s);
			if (typeof r === 'string') { fieldError(form, name, r); bad = true; } else io[f.key] = r[0];
		}
		if (ioChanged) {
			if (!io.device) { fieldError(form, 'io.max[0].device', 'which device the I/O limits are for'); bad = true; }
			else if (Object.keys(io).length < 2) { fieldError(form, 'io.max[0].rbps', 'name at least one of read, write, read IOPS, write IOPS'); bad = true; }
			else setPath(body, 'io.max', [io]);
		}
		return bad ? null : body;
	}

	async function applyLimits(card) {
		const form = $('.limits-form', card.node);
		const ok = $('.ok-msg', form);
		clearErrors(form);
		ok.textContent = '';
		const body = limitsBody(card, form);
		if (!body) return;
		if (!Object.keys(body).length) { ok.textContent = 'nothing changed'; return; }
		const submit = $('button[type=submit]', form);
		submit.disabled = true;
		try {
			const res = await mutate('PATCH', limitsPath(card), body);
			const eff = res && (res.limits || res);
			if (eff && typeof eff === 'object') {
				card.limits = eff;
				card.lines = limitLines(eff);
			}
			await loadLimits(card);
			ok.textContent = `applied ${Object.keys(body).map((k) => Object.keys(body[k]).map((x) => `${k}.${x}`)).flat().join(', ')}`;
			tick(true);
		} catch (e) {
			showApiError(form, e, ['limits.', '.']);
		} finally {
			submit.disabled = false;
		}
	}

	/* ---------- the launch form ---------- */

	/* The workload name rule (agent/name.c). */
	function nameProblem(n) {
		if (!n) return 'is required';
		if (n.length > 63) return 'is longer than 63 characters';
		if (!/^[a-z0-9]/.test(n)) return 'must start with a lowercase letter or a digit';
		if (!/^[a-z0-9][a-z0-9_.-]*$/.test(n)) return "may hold only a-z, 0-9, '_', '.' and '-'";
		if (/^(cgroup|cpu|cpuset|io|memory|pids|hugetlb|rdma|misc)\./.test(n)) return 'must not look like a cgroup interface file (controller.name)';
		return '';
	}

	async function launch(ev) {
		ev.preventDefault();
		const form = ev.target;
		clearErrors(form);
		const val = (n) => form.elements[n].value.trim();
		const spec = { name: val('name'), command: ['/bin/sh', '-c', val('command')] };
		let bad = false;
		const why = nameProblem(spec.name);
		if (why) { fieldError(form, 'name', why); bad = true; }
		if (!val('command')) { fieldError(form, 'command', 'a command to run'); bad = true; }
		for (const [n, check] of [['limits.cpu.max', 'cpu'], ['limits.memory.max', 'size'], ['limits.pids.max', 'pids']]) {
			const s = val(n);
			if (!s) continue;
			const r = checks[check](s);
			if (typeof r === 'string') { fieldError(form, n, r); bad = true; } else setPath(spec, n, r[0]);
		}
		if (bad) return;
		const submit = $('button[type=submit]', form);
		submit.disabled = true;
		try {
			await mutate('POST', '/api/v1/workloads', spec);
			form.reset();
			$('#launch').open = false;
			tick(true);
		} catch (e) {
			/* "command" errors may name "command[2]" */
			if (/^command\[/.test(e.field)) e.field = 'command';
			showApiError(form, e, []);
		} finally {
			submit.disabled = false;
		}
	}

	/* ---------- events ---------- */

	const events = { last: 0, seen: new Set(), rows: 0, MAX_ROWS: 500, loaded: false };

	function valueText(v) {
		if (v === undefined || v === null) return '';
		return typeof v === 'string' ? v : JSON.stringify(v);
	}

	/* {"cpu":{"max":0.5}} -> [["cpu.max", 0.5]]; arrays as io.max[0].rbps */
	function flatten(v, prefix = '', out = []) {
		if (v && typeof v === 'object') {
			for (const [k, x] of Object.entries(v)) flatten(x, Array.isArray(v) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k, out);
		} else out.push([prefix, v]);
		return out;
	}

	/* An event's old and new values as "cpu.max 0.5 → 0.3, memory.max 256M → 96M". */
	function changeText(o, nv) {
		if (!(o && typeof o === 'object') && !(nv && typeof nv === 'object')) {
			const a = valueText(o), b = valueText(nv);
			return a || b ? `${a || '–'} → ${b || '–'}` : '';
		}
		const before = new Map(flatten(o));
		const show = (path, v) => (v === undefined ? '–' : /memory\.|bps$/.test(path) ? sizeText(v) : valueText(v));
		const parts = [];
		for (const [path, v] of flatten(nv)) {
			const old = before.get(path);
			if (old === v && /device$/.test(path)) parts.push(`${path} ${v}`);
			else if (old !== v) parts.push(`${path} ${show(path, old)} → ${show(path, v)}`);
		}
		return parts.join(', ') || 'no change';
	}

	function addEvent(e, fresh) {
		const id = shape.eId(e);
		if (id !== undefined) {
			if (events.seen.has(id)) return;
			events.seen.add(id);
			if (num(id) && id > events.last) events.last = id;
		}
		const tr = el('tr', { class: fresh ? 'new' : '' },
			el('td', { class: 'time', text: timeText(shape.eTime(e)) }),
			el('td', { text: shape.eWorkload(e) }),
			el('td', { text: shape.eActor(e) }),
			el('td', { text: shape.eAction(e) }),
			el('td', { text: changeText(shape.eOld(e), shape.eNew(e)) }),
			el('td', { text: shape.eReason(e) }));
		const body = $('#events-body');
		body.prepend(tr);
		if (++events.rows > events.MAX_ROWS) { body.lastElementChild.remove(); events.rows--; }
		$('#events-empty').hidden = true;
		if (fresh) setTimeout(() => tr.classList.remove('new'), 5000);
	}

	/* The newest MAX_ROWS events of the log, oldest first, page by page
	 * ({"events", "next_since", "more", "last_id"}). */
	async function loadEvents() {
		const head = await poll('/api/v1/events?since=0&limit=1', 'Event log');
		if (!head) return false;
		let since = num(head.last_id) ? Math.max(0, head.last_id - events.MAX_ROWS) : 0;
		for (let pages = 0; pages < 100; pages++) {
			const j = await poll(`/api/v1/events?since=${since}&limit=1000`, 'Event log');
			if (!j) return false;
			for (const e of shape.events(j)) addEvent(e, false);
			const next = j.next_since;
			if (!j.more || !num(next) || next <= since) break;
			since = next;
		}
		return true;
	}

	/* The stream, read with fetch (EventSource cannot send the token that
	 * --auth-reads asks for); reconnects with Last-Event-ID. */
	async function streamEvents() {
		let delay = 1000;
		for (;;) {
			const live = $('#events-live');
			try {
				if (!events.loaded) events.loaded = await loadEvents();
				const headers = { Accept: 'text/event-stream' };
				if (token && authReads) headers.Authorization = `Bearer ${token}`;
				/* from the last event shown: nothing is missed between the list and the stream */
				const res = await fetch(`/api/v1/events/stream?since=${events.last}`, { headers, cache: 'no-store', credentials: 'omit' });
				if (!res.ok) {
					let msg = '';
					try { msg = (await res.json()).error.message; } catch (e) { /* not JSON */ }
					live.textContent = '';
					live.classList.remove('on');
					if (res.status === 501 || res.status === 404) {
						notice('stream', `Live events: this agent does not serve /api/v1/events/stream (${res.status}${msg ? `: ${msg}` : ''}); the log is polled instead.`);
						events.polled = true;
						await sleep(30000);
					} else {
						notice('stream', `Live events: ${msg || `HTTP ${res.status}`}; retrying.`, true);
						await sleep(delay);
						delay = Math.min(delay * 2, 30000);
					}
					continue;
				}
				clearNotice('stream');
				events.polled = false;
				live.textContent = '● live';
				live.classList.add('on');
				delay = 1000;
				await readStream(res.body.getReader());
			} catch (e) {
				/* the agent went away: the poll loop says so; retry */
			}
			live.textContent = 'reconnecting…';
			live.classList.remove('on');
			await sleep(delay);
			delay = Math.min(delay * 2, 30000);
		}
	}

	async function readStream(reader) {
		const dec = new TextDecoder();
		let buf = '';
		for (;;) {
			const { value, done } = await reader.read();
			if (done) return;
			buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
			let i;
			while ((i = buf.indexOf('\n\n')) >= 0) {
				sseBlock(buf.slice(0, i));
				buf = buf.slice(i + 2);
			}
		}
	}

	function sseBlock(block) {
		let data = '', type = 'message';
		for (const line of block.split('\n')) {
			if (line.startsWith(':')) continue;
			const c = line.indexOf(':');
			const k = c < 0 ? line : line.slice(0, c);
			const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
			if (k === 'data') data += (data ? '\n' : '') + v;
			else if (k === 'event') type = v;
		}
		if (!data || (type !== 'message' && type !== 'enforcement')) return;
		try {
			const e = JSON.parse(data);
			for (const x of Array.isArray(e) ? e : [e]) addEvent(x, true);
		} catch (err) {
			/* not an event */
		}
	}

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	/* ---------- the poll loop ---------- */

	let timer = 0, busy = false, again = false;

	async function loadInfo() {
		const j = await poll('/api/v1/info', 'Agent info');
		if (!j) return;
		st.info = j;
		authReads = Boolean(j.auth_reads);
		if (num(j.poll_interval_ms)) st.intervalMs = Math.max(250, j.poll_interval_ms);
		$('#agent-info').textContent = [j.hostname, `cgwarden ${j.version || '?'}`, j.kernel && `kernel ${j.kernel}`,
			j.cgroup_parent && `parent ${j.cgroup_parent}`, `poll ${st.intervalMs} ms`].filter(Boolean).join(' · ');
	}

	async function tick(soon) {
		if (busy) { again = again || soon; return; }
		busy = true;
		clearTimeout(timer);
		const status = $('#poll-status');
		try {
			if (!st.info) await loadInfo();
			const [cg, wl, ev] = await Promise.all([poll('/api/v1/cgroups', 'Cgroups'), poll('/api/v1/workloads', 'Workloads'),
				events.polled && events.loaded ? poll(`/api/v1/events?since=${events.last}&limit=1000`, 'Event log') : null]);
			for (const e of ev ? shape.events(ev) : []) addEvent(e, true);
			const t = cg ? shape.time(cg) : Date.now() / 1000;
			if (cg) {
				if (num(shape.intervalMs(cg))) st.intervalMs = Math.max(250, shape.intervalMs(cg));
				updateHost(shape.host(cg), t);
			}
			render(cg, wl, t);
			clearNotice('unreachable');
			st.failures = 0;
			status.classList.remove('bad');
			status.textContent = `updated ${timeText(Date.now())}`;
		} catch (e) {
			st.failures++;
			status.classList.add('bad');
			status.textContent = 'agent unreachable';
			notice('unreachable', `The agent does not answer (${e.message}); retrying every ${Math.round(st.intervalMs / 1000) || 1} s.`, true);
		} finally {
			busy = false;
			const next = again ? 0 : st.intervalMs;
			again = false;
			timer = setTimeout(() => tick(false), next);
		}
	}

	/* ---------- start ---------- */

	function start() {
		if (typeof uPlot !== 'function') {
			notice('uplot', 'The chart library (/static/uPlot.iife.min.js) did not load: charts are off.', true);
			return;
		}
		updateTokenButton();
		$('#token-button').addEventListener('click', () => askToken(''));
		$('#launch-form').addEventListener('submit', launch);
		hostCharts();
		tick(false).then(() => streamEvents());
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
