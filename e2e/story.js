/*
 * The end-to-end story in headless Chromium: a candidate on a phone uploads (one photo
 * sideways, EXIF Orientation 6), deletes, submits; a reviewer returns one material; the
 * candidate replaces it and resubmits; the reviewer approves; an admin exports the CSV.
 *
 * Every page visited is screenshotted (full page) and checked with axe-core. Any serious
 * or critical violation, any script error or CSP refusal, or any missing visible outcome
 * fails the run. e2e/run.sh starts the server and sets SHENHE_URL.
 *
 * Selectors are roles and labels wherever the page offers them: finding a control by its
 * accessible name is part of the check.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BASE = process.env.SHENHE_URL;
const OUT = process.env.E2E_OUT || path.resolve(__dirname, '..', 'target', 'e2e');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Demo accounts (printed by `shenhe serve --demo`).
const CANDIDATE = { id: '420502200203150215', name: '李明', email: 'liming@example.com' };
const NEW_PASSWORD = 'Shenhe-e2e-2026';
const REVIEWER = { user: 'reviewer', password: 'Demo-review-2023' };
const ADMIN = { user: 'admin', password: 'Demo-admin-2023' };
const REASON = '图片模糊不清';

const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const TIMEOUT = 15000;

// ── Bookkeeping: screenshots, axe, script errors ─────────────────────

const visits = []; // { n, name, url, violations }
const problems = []; // script errors and CSP refusals, with the page they happened on

function step(text) {
  console.log(`• ${text}`);
}

function fail(text) {
  throw new Error(text);
}

// Chromium logs a page answered with an error status ("Failed to load resource … 401") as
// a console error; `expecting` names the status the next step provokes on purpose.
let expecting = null;

function watch(page, who) {
  page.on('pageerror', (e) => problems.push(`${who} ${page.url()}: script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expecting && m.text().includes(`status of ${expecting}`)) return;
    problems.push(`${who} ${page.url()}: console error: ${m.text()}`);
  });
}

// Waits until the page has settled: loaded, fonts ready, eager images decoded.
async function settle(page) {
  await page.waitForLoadState('load');
  await page.evaluate(async () => {
    await document.fonts.ready;
    const pending = Array.from(document.images)
      .filter((img) => !img.complete && img.loading !== 'lazy')
      .map((img) => new Promise((resolve) => { img.onload = img.onerror = resolve; }));
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 3000))]);
  });
}

// One page visited: a numbered full-page screenshot and an axe run.
async function look(page, name) {
  await settle(page);
  const n = visits.length + 1;
  const file = `${String(n).padStart(2, '0')}-${name}.png`;
  // From the top, so sticky parts sit where a person first sees them; then back.
  const scrolled = await page.evaluate(() => { const y = window.scrollY; window.scrollTo(0, 0); return y; });
  await page.screenshot({ path: path.join(OUT, file), fullPage: true });
  await page.evaluate((y) => window.scrollTo(0, y), scrolled);
  // Evaluated through the DevTools protocol, which the page's CSP does not govern, so the
  // pages keep their real policy (and a CSP refusal of our own scripts would show).
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations', 'incomplete'] }));
  const violations = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((node) => ({
      target: node.target,
      html: node.html,
      summary: node.failureSummary,
    })),
  }));
  // What axe could not decide by itself (e.g. text over an image): listed, not judged.
  const incomplete = result.incomplete.map((v) => ({
    id: v.id,
    impact: v.impact,
    nodes: v.nodes.length,
    first: v.nodes.length ? { target: v.nodes[0].target, html: v.nodes[0].html, summary: v.nodes[0].failureSummary } : null,
  }));
  visits.push({ n, name, screenshot: file, url: new URL(page.url()).pathname, violations, incomplete });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  step(`  ${file}  axe: ${violations.length ? violations.map((v) => `${v.id}(${v.impact})`).join(' ') : 'clean'}`);
  return bad.length;
}

function writeAxeReports() {
  fs.writeFileSync(path.join(OUT, 'axe.json'), JSON.stringify(visits, null, 2) + '\n');
  const impacts = ['critical', 'serious', 'moderate', 'minor'];
  const lines = [
    '# axe-core results',
    '',
    `axe-core ${require('axe-core/package.json').version}, all rules; the run fails on any serious or critical violation.`,
    '',
    '| # | page | path | critical | serious | moderate | minor | needs review (axe incomplete) |',
    '|---|------|------|---------:|--------:|---------:|------:|------|',
  ];
  for (const v of visits) {
    const counts = impacts.map((impact) => v.violations.filter((x) => x.impact === impact).length);
    const unsure = v.incomplete.map((x) => `${x.id} ×${x.nodes}`).join(', ') || '—';
    lines.push(`| ${v.n} | ${v.name} | \`${v.url}\` | ${counts.join(' | ')} | ${unsure} |`);
  }
  const all = visits.flatMap((v) => v.violations.map((x) => ({ ...x, page: v.name })));
  if (all.length) {
    lines.push('', '## Violations', '');
    for (const x of all) {
      lines.push(`- **${x.page}**: \`${x.id}\` (${x.impact}) ${x.help} — ${x.nodes.length} element(s): ` +
        x.nodes.slice(0, 3).map((node) => `\`${node.target.join(' ')}\``).join(', '));
    }
  }
  fs.writeFileSync(path.join(OUT, 'axe.md'), lines.join('\n') + '\n');
}

// ── Assertions on what a user sees ───────────────────────────────────

async function sees(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: TIMEOUT });
  } catch (e) {
    fail(`expected to see ${what}`);
  }
}

async function seesText(page, text, what) {
  await sees(page.getByText(text).first(), what || `“${text}”`);
}

async function atPath(page, pathname) {
  await page.waitForURL((url) => url.pathname === pathname, { timeout: TIMEOUT });
}

// ── Photos, made in the page (never downloaded) ──────────────────────

// A JPEG drawn on a canvas: a light card with a label. `sideways` draws the label turned
// a quarter to the left, as a phone held upright stores its landscape sensor pixels.
async function drawJpeg(page, { width, height, label, hue, sideways }) {
  const base64 = await page.evaluate(async ({ width, height, label, hue, sideways }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = `hsl(${hue} 60% 88%)`;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = `hsl(${hue} 50% 30%)`;
    ctx.translate(width / 2, height / 2);
    if (sideways) ctx.rotate(-Math.PI / 2);
    const shortEdge = Math.min(width, height);
    ctx.font = `bold ${Math.round(shortEdge / 8)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, 0, 0);
    ctx.fillRect(-shortEdge / 4, -shortEdge / 3, shortEdge / 2, shortEdge / 20); // a bar on top
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  }, { width, height, label, hue, sideways: Boolean(sideways) });
  return Buffer.from(base64, 'base64');
}

// An EXIF APP1 segment holding one tag, Orientation (0x0112) = 6: "rotate 90° clockwise to
// display". Big-endian TIFF, one IFD entry.
function exifOrientation6() {
  const tiff = Buffer.from([
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // MM, 42, IFD at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, // Orientation, SHORT, 1, 6
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), length, body]);
}

function withExifAfterSoi(jpeg) {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) fail('the canvas did not produce a JPEG');
  return Buffer.concat([jpeg.subarray(0, 2), exifOrientation6(), jpeg.subarray(2)]);
}

// ── Candidate helpers ────────────────────────────────────────────────

function materialRow(page, code) {
  return page.locator(`#material-${code}`);
}

async function signIn(page, account, password) {
  await page.getByLabel('身份证号').fill(account);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

// Chooses files through "+ 增加图片" (the file chooser a tap opens), then waits until each
// is a thumbnail.
async function upload(page, code, files) {
  const row = materialRow(page, code);
  const before = await row.locator('.thumbs > .thumb').count();
  const chooser = page.waitForEvent('filechooser');
  await row.getByText('+ 增加图片').tap();
  await (await chooser).setFiles(files);
  try {
    await row.locator('.thumbs > .thumb').nth(before + files.length - 1).waitFor({ timeout: TIMEOUT });
  } catch (e) {
    const queue = await row.locator('.queue, .upload-msg').allInnerTexts();
    fail(`upload to ${code} did not finish: ${queue.join(' / ')}`);
  }
  await sees(row.getByText(`已上传 ${before + files.length} 张`), `the count ${before + files.length} for ${code}`);
}

// Opens a thumbnail in the viewer, deletes it there (accepting the confirm()), and checks
// it is gone.
async function deleteThumb(page, code, name, index) {
  const row = materialRow(page, code);
  const before = await row.locator('.thumbs > .thumb').count();
  await row.getByRole('link', { name: `${name} 第 ${index} 张` }).tap();
  const viewer = page.getByRole('dialog', { name: `${name} 第 ${index} 张` });
  await sees(viewer, 'the image viewer');
  await look(page, `candidate-viewer-${code}`);
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.accept(); });
  await viewer.getByRole('button', { name: '删除' }).tap();
  await viewer.waitFor({ state: 'detached', timeout: TIMEOUT });
  if (!asked.includes('确定删除')) fail(`deleting asked “${asked}”, not for a confirmation`);
  await sees(row.getByText('已删除 1 张图片。'), 'the deletion message');
  const after = await row.locator('.thumbs > .thumb').count();
  if (after !== before - 1) fail(`${code}: ${before} thumbnails before deleting, ${after} after`);
  await sees(row.getByText(`已上传 ${after} 张`), `the count ${after} for ${code}`);
}

async function submitAll(page, resubmission) {
  await page.getByRole('link', { name: '提交', exact: true }).tap();
  await atPath(page, '/submit');
  await sees(page.getByRole('heading', { name: resubmission ? '确认重新提交' : '确认提交' }), 'the confirmation page');
  await look(page, resubmission ? 'candidate-resubmit-confirm' : 'candidate-submit-confirm');
  await page.getByRole('button', { name: '确认提交' }).tap();
  await atPath(page, '/');
  await sees(page.locator('.badge', { hasText: '已提交（待审核）' }), 'the status 已提交（待审核）');
  await sees(page.getByRole('status').filter({ hasText: '材料已提交' }), 'the message 材料已提交');
  if (await page.getByText('+ 增加图片').count()) fail('upload controls still offered after submitting');
}

// ── Staff helpers ────────────────────────────────────────────────────

async function staffSignIn(page, who, name) {
  await page.goto(`${BASE}/`);
  await look(page, `${name}-login`);
  await signIn(page, who.user, who.password);
  await atPath(page, '/review');
  await sees(page.getByRole('heading', { name: '审核队列' }), 'the review queue');
}

// The personal search posts the filter form: the answer is the filtered list itself (its
// tabs and pages post the search again), and the ID number never enters the URL.
async function searchQueue(page) {
  await page.getByLabel('姓名 / 身份证号 / 报名号').fill(CANDIDATE.id);
  await page.getByRole('button', { name: '筛选' }).click();
  await page.locator('#repost-status').waitFor({ state: 'attached', timeout: TIMEOUT });
  if (page.url().includes(CANDIDATE.id) || /[?&]q=/.test(page.url())) {
    fail(`the search is in the URL: ${page.url()}`);
  }
}

async function openCase(page, name) {
  await searchQueue(page);
  const rows = page.locator('.rv-table tbody tr');
  await sees(rows, 'the filtered queue');
  if ((await rows.count()) !== 1) fail(`filter by ID number found ${await rows.count()} rows`);
  await look(page, `${name}-queue-filtered`);
  await rows.getByRole('link', { name: CANDIDATE.name }).click();
  await page.waitForURL(/\/review\/cases\/\d+$/);
  await sees(page.getByRole('heading', { name: `审核：${CANDIDATE.name}` }), 'the case page');
  await page.getByRole('button', { name: '领取', exact: true }).click();
  await seesText(page, '您已领取该考生');
  await look(page, `${name}-case-claimed`);
}

// After a decision the workspace moves on: to the next case (claimed for the reviewer),
// or to the queue when none is left. Either way the decision is confirmed on top. A case
// claimed this way is released again, so the demo queue stays as it was.
async function decided(page, outcome, name) {
  await sees(page.getByRole('status').filter({ hasText: `已提交：${outcome}（${CANDIDATE.name}）` }),
    `the confirmation of ${outcome}`);
  await look(page, name);
  if (/\/review\/cases\/\d+$/.test(new URL(page.url()).pathname)) {
    if (await page.getByRole('heading', { name: `审核：${CANDIDATE.name}` }).count()) {
      fail(`after ${outcome} the reviewer is still on ${CANDIDATE.name}'s case`);
    }
    await page.getByRole('button', { name: '释放（放回队列）' }).click();
    await page.waitForURL((url) => !/\/review\/cases\/\d+\/release$/.test(url.pathname));
    await settle(page);
  }
}

// Signing out answers with the sign-in page itself (at /logout), with a notice.
async function logOut(page, name) {
  await page.getByRole('button', { name: '退出' }).click();
  await atPath(page, '/logout');
  await sees(page.getByRole('status').filter({ hasText: '您已安全退出。' }), 'the notice 您已安全退出');
  await sees(page.getByRole('button', { name: '登录' }), 'the sign-in form');
  if (name) await look(page, `${name}-signed-out`);
}

// ── The story ────────────────────────────────────────────────────────

async function story(browser) {
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
  });
  phone.setDefaultTimeout(TIMEOUT);
  const cand = await phone.newPage();
  watch(cand, 'candidate');

  // 1. First sign-in: the initial password (the email) must be replaced.
  step('candidate signs in with the initial password');
  await cand.goto(`${BASE}/`);
  await look(cand, 'candidate-login');
  expecting = 401;
  await signIn(cand, CANDIDATE.id, 'not-the-password');
  await sees(cand.getByRole('alert'), 'the sign-in error');
  await look(cand, 'candidate-login-error');
  expecting = null;
  if ((await cand.getByLabel('身份证号').inputValue()) !== CANDIDATE.id) fail('the ID number was not kept after the error');
  await signIn(cand, CANDIDATE.id, CANDIDATE.email);
  await atPath(cand, '/password');
  await seesText(cand, '您目前使用的是初始密码');
  await look(cand, 'candidate-password-forced');
  await cand.getByLabel('当前密码').fill(CANDIDATE.email);
  await cand.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
  await cand.getByLabel('再次输入新密码').fill(NEW_PASSWORD);
  await cand.getByRole('button', { name: '确认修改' }).tap();
  await atPath(cand, '/');
  if (await cand.getByRole('button', { name: '登录' }).count()) {
    step('  the password change signed the candidate out: signing in again');
    await signIn(cand, CANDIDATE.id, NEW_PASSWORD);
    await atPath(cand, '/');
  } else {
    await seesText(cand, '密码已修改。');
  }
  await sees(cand.getByRole('heading', { name: '网上审核材料上传' }), 'the materials page');
  await sees(cand.locator('.badge', { hasText: '未提交' }), 'the status 未提交');
  await look(cand, 'candidate-home');
  await cand.getByRole('link', { name: '提交', exact: true }).tap();
  await atPath(cand, '/submit');
  const missing = cand.getByRole('alert').filter({ hasText: '以下必传材料尚未上传' });
  await sees(missing, 'the list of missing materials');
  for (const name of ['身份证', '学籍证明']) await sees(missing.getByText(name, { exact: true }), `${name} as missing`);
  if (await cand.getByRole('button', { name: '确认提交' }).count()) fail('确认提交 offered with nothing uploaded');
  await look(cand, 'candidate-submit-missing');
  await cand.getByRole('link', { name: '返回修改' }).tap();
  await atPath(cand, '/');

  // 2. Three photos through "+ 增加图片"; the ID card's back is sideways (EXIF 6).
  step('candidate uploads three photos, one sideways with EXIF Orientation 6');
  const front = await drawJpeg(cand, { width: 1200, height: 760, label: '身份证 正面', hue: 200 });
  const backRaw = await drawJpeg(cand, { width: 1200, height: 760, label: '身份证 反面 ↑', hue: 30, sideways: true });
  const back = withExifAfterSoi(backRaw);
  const school = await drawJpeg(cand, { width: 900, height: 1200, label: '学籍证明', hue: 120 });
  await upload(cand, 'id_card', [
    { name: 'id-front.jpg', mimeType: 'image/jpeg', buffer: front },
    { name: 'id-back-sideways.jpg', mimeType: 'image/jpeg', buffer: back },
  ]);
  await upload(cand, 'student_status', [{ name: 'school.jpg', mimeType: 'image/jpeg', buffer: school }]);
  // Both went up together, so they may finish in either order: the sideways one must be
  // the only portrait one (the front, without EXIF, stays landscape).
  const shapes = await materialRow(cand, 'id_card').locator('.thumbs > .thumb').evaluateAll(async (items) => {
    const out = [];
    for (const li of items) {
      const img = li.querySelector('img');
      if (!img.complete || !img.naturalWidth) await new Promise((r) => { img.onload = img.onerror = r; });
      const link = li.querySelector('.thumb-link');
      out.push({
        href: link.getAttribute('href'),
        thumb: [img.naturalWidth, img.naturalHeight],
        image: [Number(link.dataset.width), Number(link.dataset.height)],
      });
    }
    return out;
  });
  step(`  身份证 thumbnails ${shapes.map((x) => x.thumb.join('×')).join(', ')}; images ${shapes.map((x) => x.image.join('×')).join(', ')}`);
  const portrait = shapes.filter((x) => x.thumb[1] > x.thumb[0] && x.image[1] > x.image[0]);
  const landscape = shapes.filter((x) => x.thumb[0] > x.thumb[1] && x.image[0] > x.image[1]);
  if (portrait.length !== 1 || landscape.length !== 1) {
    fail(`expected the sideways photo upright and the front as it was, got ${JSON.stringify(shapes)}`);
  }
  await look(cand, 'candidate-uploaded');

  // The plain image page (what works without script) shows the normalised image upright.
  await cand.goto(`${BASE}${portrait[0].href}`);
  const full = cand.getByRole('img', { name: '身份证（已上传的图片）' });
  await sees(full, 'the image page');
  const natural = await full.evaluate(async (img) => {
    if (!img.complete || !img.naturalWidth) await new Promise((r) => { img.onload = img.onerror = r; });
    return [img.naturalWidth, img.naturalHeight];
  });
  if (!(natural[1] > natural[0])) fail(`the image page shows the sideways photo ${natural.join('×')}`);
  await look(cand, 'candidate-image-page');
  await cand.getByRole('link', { name: '返回', exact: true }).tap();
  await atPath(cand, '/');

  // 3. Delete one, upload what is required again, submit.
  step('candidate deletes the 学籍证明 photo, uploads another, submits');
  await deleteThumb(cand, 'student_status', '学籍证明', 1);
  const school2 = await drawJpeg(cand, { width: 900, height: 1200, label: '学籍证明 2', hue: 150 });
  await upload(cand, 'student_status', [{ name: 'school-2.jpg', mimeType: 'image/jpeg', buffer: school2 }]);
  await cand.reload();
  await sees(materialRow(cand, 'id_card').getByText('已上传 2 张'), '2 ID card photos after reload');
  await sees(materialRow(cand, 'student_status').getByText('已上传 1 张'), '1 学籍证明 photo after reload');
  await submitAll(cand, false);
  await look(cand, 'candidate-submitted');
  await logOut(cand, 'candidate');

  // 4. The reviewer finds the case, claims it, marks 学籍证明 不合格 by keyboard, returns it.
  step('reviewer claims the case and returns 学籍证明');
  const desk = await browser.newContext({
    viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true,
  });
  desk.setDefaultTimeout(TIMEOUT);
  const rev = await desk.newPage();
  watch(rev, 'reviewer');
  await staffSignIn(rev, REVIEWER, 'reviewer');
  await look(rev, 'reviewer-queue');
  await openCase(rev, 'reviewer');
  await rev.locator('body').press('Escape');
  // J moves image by image; F marks the current image's material 不合格 and focuses its reason.
  // As a person does, wait for each (smooth) scroll to arrive before the next key.
  for (let i = 0; i < 6; i += 1) {
    await rev.keyboard.press('j');
    await rev.waitForFunction(() => {
      const link = document.activeElement;
      if (!link || !link.classList.contains('rv-image-link')) return false;
      const top = Math.round(link.getBoundingClientRect().top);
      const still = link.dataset.lastTop === String(top);
      link.dataset.lastTop = String(top);
      return still && top < window.innerHeight / 2;
    }, null, { polling: 100 });
    const code = await rev.evaluate(() => document.activeElement.dataset.code);
    if (code === 'student_status') break;
  }
  // Enter opens the image in the viewer; R turns it (for viewing only); Esc closes it.
  await rev.keyboard.press('Enter');
  const viewer = rev.getByRole('dialog', { name: /^学籍证明 第 1 张/ });
  await sees(viewer, 'the review viewer');
  await rev.keyboard.press('r');
  await sees(viewer.locator('img[style*="rotate(90deg)"]'), 'the image turned by R');
  await look(rev, 'reviewer-viewer');
  await rev.keyboard.press('Escape');
  await viewer.waitFor({ state: 'hidden' });
  await rev.keyboard.press('?');
  const help = rev.getByRole('dialog', { name: '键盘快捷键' });
  await sees(help, 'the shortcut help');
  await look(rev, 'reviewer-help');
  await help.getByRole('button', { name: '关闭' }).click();
  await help.waitFor({ state: 'hidden' });
  if (!(await rev.evaluate(() => document.activeElement && document.activeElement.dataset.code === 'student_status'))) {
    await rev.locator('#m-student_status .rv-image-link').first().focus();
  }
  await rev.keyboard.press('f');
  const reason = rev.getByLabel('不合格原因').and(rev.locator(':focus'));
  await sees(reason, 'the focused reason list after F');
  if ((await reason.getAttribute('id')) !== 'reason-student_status') fail('F marked the wrong material');
  if (!(await rev.locator('#ok-student_status-0').isChecked())) fail('F did not mark 学籍证明 不合格');
  await reason.selectOption(REASON);
  await rev.getByRole('heading', { name: '审核决定' }).click();
  await rev.keyboard.press('r'); // R: on to the comment
  const comment = rev.getByLabel(/^审核意见（考生可见/);
  if (!(await comment.evaluate((node) => node === document.activeElement))) fail('R did not move to the comment');
  await rev.keyboard.type('学籍证明照片不清楚，请重新拍摄上传。');
  await look(rev, 'reviewer-case-marked');
  await rev.getByRole('button', { name: /^退回修改/ }).click();
  await decided(rev, '退回修改', 'reviewer-returned');

  // 5. The candidate sees what to fix and why, replaces it, resubmits.
  step('candidate sees the return, replaces 学籍证明, resubmits');
  await signIn(cand, CANDIDATE.id, NEW_PASSWORD);
  await atPath(cand, '/');
  await sees(cand.getByRole('heading', { name: '审核结果：退回修改' }), 'the outcome 退回修改');
  await sees(cand.locator('.badge', { hasText: '退回修改' }), 'the status 退回修改');
  const fixRow = materialRow(cand, 'student_status');
  await sees(fixRow.getByText('审核意见：需修改'), '需修改 on 学籍证明');
  await sees(fixRow.getByText(REASON), 'the reason on 学籍证明');
  await seesText(cand, '学籍证明照片不清楚，请重新拍摄上传。', 'the reviewer’s comment');
  await sees(materialRow(cand, 'id_card').getByText('审核意见：合格'), '合格 on 身份证');
  await look(cand, 'candidate-returned');
  await deleteThumb(cand, 'student_status', '学籍证明', 1);
  const school3 = await drawJpeg(cand, { width: 900, height: 1200, label: '学籍证明 清晰', hue: 90 });
  await upload(cand, 'student_status', [{ name: 'school-3.jpg', mimeType: 'image/jpeg', buffer: school3 }]);
  await submitAll(cand, true);
  await look(cand, 'candidate-resubmitted');

  // 6. The reviewer approves: A, then Enter.
  step('reviewer approves with A, Enter');
  await rev.goto(`${BASE}/review`);
  await openCase(rev, 'reviewer-2');
  await sees(rev.getByText('上一轮不合格原因'), 'the earlier reason on the resubmitted case');
  await rev.locator('body').press('Escape');
  await rev.getByRole('heading', { name: '审核决定' }).click();
  await rev.keyboard.press('a');
  await seesText(rev, '按 Enter 确认审核通过');
  await rev.keyboard.press('Enter');
  await decided(rev, '审核通过', 'reviewer-approved');
  await rev.goto(`${BASE}/review`);
  await searchQueue(rev);
  await sees(rev.locator('.rv-table tbody tr').filter({ hasText: CANDIDATE.name }).locator('.badge', { hasText: '审核通过' }),
    'the status 审核通过 in the queue');
  await look(rev, 'reviewer-queue-approved');
  await logOut(rev, 'reviewer');

  await cand.reload();
  await sees(cand.getByRole('heading', { name: '审核结果：审核通过' }), 'the outcome 审核通过 for the candidate');
  await look(cand, 'candidate-approved');

  // 7. The admin exports the results as CSV.
  step('admin exports the results as CSV');
  const adm = await desk.newPage();
  watch(adm, 'admin');
  await staffSignIn(adm, ADMIN, 'admin');
  await adm.getByRole('link', { name: '导出与清除' }).click();
  await atPath(adm, '/admin/results');
  await look(adm, 'admin-results');
  await adm.getByLabel('文件格式').selectOption('csv');
  await adm.getByLabel('CSV 文字编码').selectOption('utf-8');
  const download = adm.waitForEvent('download');
  await adm.getByRole('button', { name: '下载' }).click();
  const file = await download;
  const csvPath = path.join(OUT, 'export.csv');
  await file.saveAs(csvPath);
  const csv = fs.readFileSync(csvPath, 'utf8').replace(/^\uFEFF/, '');
  const [head, ...rows] = csv.split(/\r?\n/).filter(Boolean).map((line) => line.split(','));
  const col = (name) => {
    const i = head.indexOf(name);
    if (i < 0) fail(`the export has no column ${name}: ${head.join(',')}`);
    return i;
  };
  // 身份证号 is written as a text formula, ="…" (quoted in the CSV: "=""…"""), so that a
  // spreadsheet keeps every digit; a spreadsheet shows the text inside.
  const shown = (cell) => cell.replace(/^"=""(.*)"""$/, '$1');
  const mine = rows.find((r) => shown(r[col('身份证号')]) === CANDIDATE.id);
  if (!mine) fail(`the export has no row for ${CANDIDATE.id}`);
  step(`  export row: ${mine.join(',')}`);
  if (mine[col('姓名')] !== CANDIDATE.name) fail(`the export names ${mine[col('姓名')]}`);
  if (!/通过/.test(mine[col('审核结果')]) || /不通过/.test(mine[col('审核结果')])) {
    fail(`the export's 审核结果 is ${mine[col('审核结果')]}`);
  }

  // The other admin pages a staff member reaches from the header, each checked with axe.
  step('admin looks through the other admin pages');
  const tour = [
    ['概览', '/admin', 'admin-dashboard'],
    ['考试', '/admin/exams', 'admin-exams'],
    ['名单导入', '/admin/roster', 'admin-roster'],
    ['考生', '/admin/candidates', 'admin-candidates'],
    ['工作人员', '/admin/staff', 'admin-staff'],
    ['审计日志', '/admin/audit', 'admin-audit'],
    ['两步验证', '/staff/totp', 'staff-totp'],
  ];
  for (const [link, where, name] of tour) {
    await adm.getByRole('navigation', { name: '工作人员' }).getByRole('link', { name: link, exact: true }).click();
    await atPath(adm, where);
    await sees(adm.getByRole('heading', { level: 1 }), `the heading of ${where}`);
    await look(adm, name);
  }
  await adm.getByRole('navigation', { name: '工作人员' }).getByRole('link', { name: '考生', exact: true }).click();
  await adm.getByLabel('姓名、身份证号或报名号').fill(CANDIDATE.id);
  await adm.getByRole('button', { name: '查询' }).click();
  await adm.getByRole('link', { name: CANDIDATE.name, exact: true }).click();
  await sees(adm.getByText('审核通过').first(), 'the status on the candidate file');
  await look(adm, 'admin-candidate-file');
  await adm.getByRole('navigation', { name: '工作人员' }).getByRole('link', { name: '考试', exact: true }).click();
  await adm.getByRole('link', { name: 'WH2023H2' }).first().click();
  await atPath(adm, '/admin/exams/WH2023H2');
  await look(adm, 'admin-exam');
  await logOut(adm, 'admin');
}

async function main() {
  if (!BASE) fail('SHENHE_URL is not set (run e2e/run.sh)');
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  let failed = null;
  try {
    await story(browser);
  } catch (e) {
    failed = e;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        const file = `failure-${browser.contexts().indexOf(context)}-${context.pages().indexOf(page)}.png`;
        await page.screenshot({ path: path.join(OUT, file), fullPage: true }).catch(() => {});
        console.error(`  failure screenshot: ${file} (${page.url()})`);
      }
    }
  } finally {
    await browser.close();
    writeAxeReports();
  }
  const serious = visits.flatMap((v) => v.violations
    .filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => ({ page: v.name, ...x })));
  for (const x of serious) {
    console.error(`axe ${x.impact}: ${x.page}: ${x.id}: ${x.help}`);
    for (const node of x.nodes) console.error(`    ${node.target.join(' ')}  ${node.html.slice(0, 160)}`);
  }
  for (const p of problems) console.error(p);
  console.log(`${visits.length} pages, screenshots and axe.md in ${OUT}`);
  if (failed) {
    console.error(`FAILED: ${failed.message}`);
    process.exit(1);
  }
  if (serious.length || problems.length) {
    console.error(`FAILED: ${serious.length} serious/critical axe violation(s), ${problems.length} script problem(s)`);
    process.exit(1);
  }
  console.log('PASSED');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
