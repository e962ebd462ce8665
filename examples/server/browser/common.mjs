// common.mjs holds what form.mjs and feedback.mjs share: starting Debian's
// Chromium, headless, and recording the steps of a run.
import { chromium } from 'playwright-core';

// launch starts $CHROMIUM (default /usr/bin/chromium) headless, with the
// flags the machine's probe found necessary: no sandbox as root, and no
// background connections to a network that is closed.
export function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
}

// steps records the steps of a run, with the time each ended, for the JSON
// a script prints.
export const steps = [];
export const step = (name, detail = {}) => steps.push({ name, ms: Math.round(performance.now()), ...detail });

// fail ends the run with msg.
export const fail = (msg) => {
	throw new Error(msg);
};
