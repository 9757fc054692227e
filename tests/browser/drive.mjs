#!/usr/bin/env node
// Drive the Microsoft 365 Agents Playground in headless Chromium through one scenario and
// print what the bot's cards said, as JSON on standard output. Progress goes to standard
// error. Exit status: 0 done, 1 the scenario failed (the JSON says at which step), 2 usage.
//
//   node drive.mjs --url http://127.0.0.1:56150 --scenario explain-and-pulse --shots DIR
//
// Chromium: CHROMIUM (default /usr/bin/chromium, Debian's package); playwright-core only
// drives it, it never downloads a browser.

import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

import { Playground } from './playground.mjs';
import { SCENARIOS } from './scenarios.mjs';

// Flags that keep Chromium quiet and local in a container: no sandbox (we run as root in
// CI), no GPU, no calls home.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function usage(message) {
  process.stderr.write(`drive.mjs: ${message}\n`);
  process.stderr.write(
    `usage: node drive.mjs --url URL --scenario (${Object.keys(SCENARIOS).join('|')}) ` +
      '--shots DIR [--bot-name NAME]\n',
  );
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        url: { type: 'string' },
        scenario: { type: 'string' },
        shots: { type: 'string' },
        'bot-name': { type: 'string', default: 'Test Bot' },
      },
    }).values;
  } catch (error) {
    usage(error.message);
  }
  if (!parsed.url || !parsed.scenario || !parsed.shots) {
    usage('--url, --scenario and --shots are required');
  }
  if (!SCENARIOS[parsed.scenario]) usage(`unknown scenario ${parsed.scenario}`);
  return parsed;
}

async function main() {
  const { url, scenario, shots, 'bot-name': botName } = options();
  mkdirSync(shots, { recursive: true });
  const started = Date.now();
  const log = (text) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`[${seconds}s] ${text}\n`);
  };
  const result = { scenario, url, steps: [], ok: false };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  let playground;
  try {
    playground = await Playground.open(browser, url, { botName, shots });
    log('Playground page open and connected');
    const record = async (name, conversation, action) => {
      result.failedStep = name; // until it is done
      log(`${name} (${conversation})`);
      const { elements, cards, millis } = await action();
      const screenshots = await playground.capture(name, elements);
      const warnings = await playground.warnings();
      const traffic = playground.takeTraffic();
      result.steps.push({ name, conversation, millis, cards, warnings, traffic, screenshots });
      log(`  ${cards.length} card(s) in ${millis} ms`);
      delete result.failedStep;
    };
    await SCENARIOS[scenario](playground, record);
    result.ok = true;
  } catch (error) {
    result.error = error.message.replace(/\u001b\[\d+m/g, ''); // Playwright colours its logs
    log(`FAILED${result.failedStep ? ` at ${result.failedStep}` : ''}: ${error.message}`);
    if (playground) {
      result.failureScreenshot = (await playground.capture('failure', []).catch(() => null))?.page;
    }
  } finally {
    await browser.close();
  }
  result.seconds = (Date.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.ok ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`drive.mjs: ${error.stack || error}\n`);
  process.exit(1);
});
