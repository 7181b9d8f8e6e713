// The dashboard end to end, in real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) against a real chronicled on the local stack: sign in, open two accounts,
// deposit, transfer; the live timeline shows the new events without a reload; the
// time-travel control set before the transfer shows the earlier balance; a refused command
// shows the server's message; verify reports the chain intact. The node runs with --cluster:
// the cluster page shows it alone, then a second node the test starts, then one member again
// once that node has left (SIGTERM), and the fetch error once the page's own node is gone. A
// screenshot of each page is saved in $CHRONICLE_SCREENSHOTS. Ends with "N passed, M
// failed"; exits 1 on any failure.
//
// Environment: CHRONICLED, CHRONICLE_CLI, CHRONICLE_TEST_PORT, CHRONICLE_UI_DIR,
// CHRONICLE_SCREENSHOTS, and the local stack's CHRONICLE_* connection strings. Ports: the
// suite's node on CHRONICLE_TEST_PORT, the second node on CHRONICLE_TEST_PORT + 620, their
// cluster (CAF) endpoints on CHRONICLE_TEST_PORT + 720 and + 721.

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
// The cluster: heartbeats every 300 ms, in a bucket of this suite's own. A silent member is
// dropped after 6 s: a crashed one shows as suspect for that long, over several of the page's
// polls (every 2 s), once its connection went down.
const clusterArgs = [
  '--cluster-bucket', 'LEDGER_TEST_DASHBOARD',
  '--cluster-heartbeat-ms', '300',
  '--cluster-ttl-ms', '6000',
];
// Joining and leaving show on the page within this long: the detection time, the page's
// 2 s poll and a loaded machine.
const membershipWaitMs = 20_000;
// A node's graceful leave is bounded at 10 s.
const exitWaitMs = 20_000;
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
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error?.message ?? error).split('\n').join('\n  ')}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function healthy(url, nodeId) {
  for (let i = 0; i < 150; ++i) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok && (await r.json()).node_id === nodeId) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// Resolves true when the child exits within `ms`.
function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// A chronicled on the test stack, in this suite's cluster when given a cluster port, its
// output in the file the other suites' nodes use (tests/support/node_process.cpp).
function startNode(httpPort, id, clusterPort) {
  const out = openSync(`/tmp/chronicled-test-${httpPort}.log`, 'w');
  const cluster = clusterPort ? ['--cluster', `127.0.0.1:${clusterPort}`, ...clusterArgs] : [];
  return spawn(process.env.CHRONICLED, [
    '--http-port', String(httpPort), '--api-keys', keys, '--node-id', id,
    '--ui-dir', process.env.CHRONICLE_UI_DIR, ...cluster,
  ], { stdio: ['ignore', out, out] });
}

const keys = join(scratch, 'api-keys');
const token = execFileSync(process.env.CHRONICLE_CLI, [
  'keys', 'create', '--file', keys, '--id', 'e2e-operator', '--role', 'operator',
], { encoding: 'utf8' }).trim();
const nodeId = `e2e-${process.pid}`;
const logPath = `/tmp/chronicled-test-${port}.log`;
const node = startNode(port, nodeId, port + 720);
const secondPort = port + 620;
const secondId = `e2e-second-${process.pid}`;
let second;
const aloneBase = `http://127.0.0.1:${port + 621}`;
const aloneId = `e2e-alone-${process.pid}`;
let alone;

const suffix = `${Date.now().toString(36)}${process.pid}`;
const alice = `e2e-alice-${suffix}`;
const bob = `e2e-bob-${suffix}`;
let context;
try {
  expect(await healthy(base, nodeId), `chronicled did not start: see ${logPath}`);
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

  const members = page.getByTestId('cluster-member');
  const member = (id) => members.and(page.locator(`[data-node-id="${id}"]`));
  const memberCount = (n) =>
    page.waitForFunction(
      (want) => document.querySelectorAll('[data-testid="cluster-member"]').length === want,
      n,
      { timeout: membershipWaitMs },
    );

  await step('the cluster page shows this node alone, its roles and a live heartbeat', async () => {
    await page.goto(`${base}/#/cluster`);
    await page.getByRole('heading', { name: 'Cluster' }).waitFor();
    await member(nodeId).filter({ hasText: 'this node' }).waitFor({ timeout: membershipWaitMs });
    await memberCount(1);
    await page.getByTestId('cluster-mode').filter({ hasText: 'only member' }).waitFor();
    const health = await fetch(`${base}/health`).then((r) => r.json());
    const roles = page.getByTestId('stat-roles');
    await roles.filter({ hasText: `relay: ${health.roles.relay}` }).waitFor();
    await roles.filter({ hasText: `projection: ${health.roles.projection}` }).waitFor();
    // Alone, it owns every account it holds a live actor of: the two opened above at least.
    const owned = await member(nodeId).getByTestId('owned-accounts').innerText();
    const [ownedCount, liveCount] = owned.match(/\d+/g).map(Number);
    expect(ownedCount === liveCount && ownedCount >= 2, `owned and live accounts: ${owned}`);
    // The heartbeat's age is shown and moves on between answers.
    const age = member(nodeId).getByTestId('heartbeat-age');
    await age.filter({ hasText: ' ago' }).waitFor();
    const first = await age.innerText();
    await page.waitForFunction(
      ([id, text]) =>
        document.querySelector(`[data-node-id="${id}"] [data-testid="heartbeat-age"]`)
          ?.textContent !== text,
      [nodeId, first],
      { timeout: 5_000 },
    );
  });

  await step('a second node joins and the cluster page shows both members', async () => {
    second = startNode(secondPort, secondId, port + 721);
    expect(await healthy(`http://127.0.0.1:${secondPort}`, secondId),
      `the second node did not start: see /tmp/chronicled-test-${secondPort}.log`);
    await memberCount(2);
    await member(nodeId).filter({ hasText: 'this node' }).waitFor();
    const row = member(secondId);
    await row.filter({ hasText: `http://127.0.0.1:${secondPort}` }).waitFor();
    await row.filter({ hasText: `127.0.0.1:${port + 721}` }).waitFor();
    expect(await row.locator('.status').innerText() === 'alive', 'the second node is not alive');
    expect((await row.innerText()).includes('this node') === false, 'both are "this node"');
    await page.getByTestId('cluster-mode').filter({ hasText: '2 members, all alive' }).waitFor();
    await page.getByTestId('stat-members').filter({ hasText: '2' }).waitFor();
    await page.screenshot({ path: join(shots, 'cluster.png'), fullPage: true });
  });

  await step('the second node leaves (SIGTERM) and the page shows one member', async () => {
    expect(second, 'no second node');
    second.kill('SIGTERM');
    expect(await exited(second, exitWaitMs), `the second node did not exit in ${exitWaitMs} ms`);
    await memberCount(1);
    await member(nodeId).waitFor();
    await page.getByTestId('cluster-gone').filter({ hasText: secondId }).waitFor();
    await page.getByTestId('cluster-mode').filter({ hasText: 'only member' }).waitFor();
    await page.screenshot({ path: join(shots, 'cluster-left.png'), fullPage: true });
  });

  await step('a member that crashes shows as suspect, then is dropped', async () => {
    second = startNode(secondPort, secondId, port + 721);
    expect(await healthy(`http://127.0.0.1:${secondPort}`, secondId),
      `the second node did not start again: see /tmp/chronicled-test-${secondPort}.log`);
    await memberCount(2);
    // Back: no longer listed as gone.
    await page.getByTestId('cluster-gone').filter({ hasText: secondId })
      .waitFor({ state: 'detached' });
    // Strong reads through this node until one went to the second: a connection whose loss
    // makes it suspect (cluster/router.hpp).
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const forwarded = () =>
      fetch(`${base}/cluster`, auth).then((r) => r.json()).then((c) => c.forwarded);
    const before = await forwarded();
    for (let i = 0; i < 40 && (await forwarded()) === before; ++i) {
      await fetch(`${base}/accounts/e2e-probe-${suffix}-${i}?consistency=strong`, auth);
    }
    expect((await forwarded()) > before, 'no read was forwarded to the second node');
    second.kill('SIGKILL');
    expect(await exited(second, exitWaitMs), 'the second node did not die');
    const row = member(secondId);
    await row.locator('.status').filter({ hasText: 'suspect' })
      .waitFor({ timeout: membershipWaitMs });
    await page.getByTestId('cluster-mode').filter({ hasText: '1 suspect' }).waitFor();
    await page.screenshot({ path: join(shots, 'cluster-suspect.png'), fullPage: true });
    await memberCount(1);
    await page.getByTestId('cluster-gone').filter({ hasText: secondId }).waitFor();
  });

  await step('a node started without --cluster shows that it runs alone', async () => {
    alone = startNode(port + 621, aloneId);
    expect(await healthy(aloneBase, aloneId),
      `the node did not start: see /tmp/chronicled-test-${port + 621}.log`);
    // Another origin: its own sign-in.
    await page.goto(`${aloneBase}/#/cluster`);
    await page.getByLabel('API key').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('cluster-mode').filter({ hasText: 'runs alone' }).waitFor();
    await memberCount(1);
    await member(aloneId).filter({ hasText: 'this node' }).waitFor();
    const age = await member(aloneId).getByTestId('heartbeat-age').innerText();
    expect(age === '—', `a node alone has no heartbeat, the page says "${age}"`);
    alone.kill('SIGTERM');
    expect(await exited(alone, exitWaitMs), `the node alone did not exit in ${exitWaitMs} ms`);
  });

  await step('a phone-sized screen shows the overview without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/overview`);
    await page.locator('.badge.live').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.screenshot({ path: join(shots, 'overview-phone.png'), fullPage: true });
  });

  // Last: it stops the suite's node.
  await step('the cluster page says so when its node cannot be reached', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/#/cluster`);
    await member(nodeId).waitFor();
    node.kill('SIGTERM');
    expect(await exited(node, exitWaitMs), `the node did not exit in ${exitWaitMs} ms`);
    await page.getByRole('alert').filter({ hasText: 'the node cannot be reached' })
      .waitFor({ timeout: membershipWaitMs });
    await page.getByTestId('cluster-stale').waitFor();
    await member(nodeId).waitFor();
    await page.screenshot({ path: join(shots, 'cluster-unreachable.png'), fullPage: true });
  });
} catch (error) {
  failed += 1;
  console.log(`not ok - setting up: ${error?.message ?? error}`);
} finally {
  await context?.close();
  node.kill('SIGTERM');
  const others = [second, alone].filter(Boolean);
  for (const n of others) n.kill('SIGTERM');
  await Promise.all([node, ...others].map((n) => exited(n, exitWaitMs)));
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`screenshots: ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
