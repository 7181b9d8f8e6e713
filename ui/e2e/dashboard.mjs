// The dashboard end to end, in real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) against a real chronicled on the local stack: sign in, open two accounts,
// deposit, transfer; the live timeline shows the new events without a reload; the
// time-travel control set before the transfer shows the earlier balance; a refused command
// shows the server's message; verify reports the chain intact. A screenshot of each page is
// saved in $CHRONICLE_SCREENSHOTS. Ends with "N passed, M failed"; exits 1 on any failure.
//
// Environment: CHRONICLED, CHRONICLE_CLI, CHRONICLE_TEST_PORT, CHRONICLE_UI_DIR,
// CHRONICLE_SCREENSHOTS, and the local stack's CHRONICLE_* connection strings.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const port = Number(process.env.CHRONICLE_TEST_PORT ?? 18090);
const base = `http://127.0.0.1:${port}`;
const shots = process.env.CHRONICLE_SCREENSHOTS ?? join(tmpdir(), 'chronicle-screenshots');
const scratch = mkdtempSync(join(tmpdir(), 'chronicle-e2e-'));
const stepTimeoutMs = 10_000;
// DESIGN.md's flags: without the background-networking ones Chromium floods the closed
// network with connections that are refused.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let passed = 0;
let failed = 0;
async function step(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error?.message ?? error).split('\n').join('\n  ')}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function healthy(nodeId) {
  for (let i = 0; i < 150; ++i) {
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok && (await r.json()).node_id === nodeId) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const keys = join(scratch, 'api-keys');
const token = execFileSync(process.env.CHRONICLE_CLI, [
  'keys', 'create', '--file', keys, '--id', 'e2e-operator', '--role', 'operator',
], { encoding: 'utf8' }).trim();
const nodeId = `e2e-${process.pid}`;
const logPath = `/tmp/chronicled-test-${port}.log`;
const log = openSync(logPath, 'w');
const node = spawn(process.env.CHRONICLED, [
  '--http-port', String(port), '--api-keys', keys, '--node-id', nodeId,
  '--ui-dir', process.env.CHRONICLE_UI_DIR,
], { stdio: ['ignore', log, log] });

const suffix = `${Date.now().toString(36)}${process.pid}`;
const alice = `e2e-alice-${suffix}`;
const bob = `e2e-bob-${suffix}`;
let context;
try {
  expect(await healthy(nodeId), `chronicled did not start: see ${logPath}`);
  mkdirSync(shots, { recursive: true });
  context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(stepTimeoutMs);

  await step('the dashboard is served at / and asks for a key', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('API key').waitFor();
    await page.screenshot({ path: join(shots, 'signin.png') });
  });

  await step('a wrong key is refused with the server message', async () => {
    await page.getByLabel('API key').fill('e2e-operator.wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'the API key is not valid' }).waitFor();
  });

  await step('signing in shows the overview with live figures', async () => {
    await page.getByLabel('API key').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('.badge.live').waitFor();
    await page.getByTestId('stat-accounts').locator('.value').waitFor();
    // Marks this document: a reload would lose it.
    await page.evaluate(() => { window.__noReload = true; });
  });

  const submit = async (route, values) => {
    const form = page.getByTestId(`form-${route}`);
    for (const [name, value] of Object.entries(values)) {
      const field = form.locator(`[name="${name}"]`);
      if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
    await form.getByRole('button').click();
    return form;
  };

  await step('open two accounts, deposit, transfer', async () => {
    await page.goto(`${base}/#/accounts`);
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    for (const [id, owner] of [[alice, 'Alice'], [bob, 'Bob']]) {
      const form = await submit('create-account', {
        account_id: id, owner_name: owner, currency: 'EUR', initial_balance: '100.00',
      });
      await form.getByRole('status').filter({ hasText: 'version 1' }).waitFor();
    }
    let form = await submit('deposit', { account_id: alice, amount: '50.00', description: 'salary' });
    await form.getByRole('status').filter({ hasText: 'balance 150.00' }).waitFor();
    // The time-travel step looks for an instant strictly before the transfer.
    await page.waitForTimeout(50);
    form = await submit('transfer', { from_account_id: alice, to_account_id: bob, amount: '30.00' });
    await form.getByRole('status').waitFor();
    await page.getByTestId('accounts-table').getByText(alice).waitFor();
    await page.screenshot({ path: join(shots, 'accounts.png'), fullPage: true });
  });

  await step('a refused command shows the server message inline', async () => {
    const form = await submit('withdraw', { account_id: bob, amount: '1000.00' });
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text.includes('INSUFFICIENT_FUNDS'), `the alert says: ${text}`);
    const answer = await fetch(`${base}/commands/withdraw`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ account_id: bob, amount: '1000.00' }),
    }).then((r) => r.json());
    expect(text.includes(answer.error), `"${text}" lacks the server's "${answer.error}"`);
  });

  await step('the live timeline shows the new events without a reload', async () => {
    await page.goto(`${base}/#/overview`);
    const live = page.getByTestId('live-event');
    await live.filter({ hasText: alice }).filter({ hasText: 'TransferDebited' }).waitFor();
    await live.filter({ hasText: bob }).filter({ hasText: 'TransferCredited' }).waitFor();
    await live.filter({ hasText: alice }).filter({ hasText: 'MoneyDeposited' }).waitFor();
    expect(await page.evaluate(() => window.__noReload === true), 'the page was reloaded');
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
  });

  await step('time travel before the transfer shows the earlier balance', async () => {
    await page.goto(`${base}/#/accounts/${alice}`);
    await page.getByTestId('balance').filter({ hasText: '120.00 EUR' }).waitFor();
    // History: 0 opened (100), 1 deposit (150), 2 transfer out (120).
    await page.getByTestId('time-travel').fill('1');
    await page.getByTestId('past-balance').filter({ hasText: '150.00 EUR' }).waitFor();
    await page.getByTestId('time-travel').fill('0');
    await page.getByTestId('past-balance').filter({ hasText: '100.00 EUR' }).waitFor();
    await page.getByTestId('time-travel').fill('1');
    await page.getByTestId('past-balance').filter({ hasText: '150.00 EUR' }).waitFor();
    await page.getByTestId('event-history').locator('summary').first().click();
    await page.screenshot({ path: join(shots, 'account.png'), fullPage: true });
  });

  await step('verify reports the hash chain intact', async () => {
    await page.getByRole('button', { name: 'Verify hash chain' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'Intact: 3 events checked' }).waitFor();
  });

  await step('the audit timeline filters by account and type', async () => {
    await page.goto(`${base}/#/audit`);
    await page.getByPlaceholder('Account id').nth(1).fill(bob);
    await page.getByLabel('Event type').selectOption('TransferCredited');
    await page.locator('table tbody tr').filter({ hasText: bob }).first().waitFor();
    expect((await page.locator('table tbody tr').count()) === 1, 'more than the one matching row');
    await page.getByTestId('verify-id').fill(bob);
    await page.getByRole('button', { name: 'Verify hash chain' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'Intact' }).waitFor();
    await page.screenshot({ path: join(shots, 'audit.png'), fullPage: true });
  });

  await step('a phone-sized screen shows the overview without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/overview`);
    await page.locator('.badge.live').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.screenshot({ path: join(shots, 'overview-phone.png'), fullPage: true });
  });
} catch (error) {
  failed += 1;
  console.log(`not ok - setting up: ${error?.message ?? error}`);
} finally {
  await context?.close();
  node.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`screenshots: ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
