/*
 * shenhe candidate portal: progressive enhancement only.
 *
 * Every page works without this file: "+ 增加图片" is a plain multipart form,
 * a thumbnail is a link to /view/{id} (with 删除 and a confirmation page), and
 * examples are links to the image file. When this script runs it:
 *   - uploads files as soon as they are chosen, two at a time, each with its own
 *     progress bar, error message and 重试 button, without reloading the page;
 *   - shrinks large photos in the browser first (long edge ≤ 2560 px, JPEG), so
 *     phones on weak networks send far less;
 *   - opens thumbnails and examples in an in-page <dialog>, and deletes through
 *     the JSON API after a confirm().
 * No dependencies; no inline script or style (the Content-Security-Policy forbids them).
 */
'use strict';

(() => {
  const LONG_EDGE = 2560;
  const SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024;
  const JPEG_QUALITY = 0.88;
  const CONCURRENCY = 2; // the server reads at most 2 uploads of one candidate at once (429 past that)
  const BUSY_RETRIES = 3;
  const STALL_MS = 90 * 1000; // no progress for this long on a weak network: give up, offer 重试

  document.documentElement.classList.add('js');

  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : '';
  const limits = document.getElementById('limits');
  const maxMb = limits ? Number(limits.dataset.maxMb) || 20 : 20;

  // ── Small helpers ──────────────────────────────────────────────────

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function parseJson(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  const FALLBACK_ERRORS = {
    0: '网络连接中断，请检查网络后重试。',
    401: '登录已过期，请重新登录。',
    403: '页面已过期，请刷新页面后重试。',
    408: '网络太慢，上传已中断，请到信号更好的地方重试。',
    409: '现在不能修改本类材料。',
    413: `图片超过 ${maxMb} MB，请压缩后再上传。`,
    415: '不支持该图片格式，请上传 JPG、PNG 或 WebP 格式的图片。',
    422: '无法识别该图片，请重新拍照后上传。',
    429: '其他照片正在上传，请稍后重试。',
    503: '系统繁忙，请稍后重试。',
  };

  function errorText(status, body) {
    if (body && typeof body.error === 'string' && body.error) return body.error;
    return FALLBACK_ERRORS[status] || '操作未成功，请稍后重试。';
  }

  // A link to follow when retrying cannot help: sign in again, or reload for a fresh token.
  function recoveryLink(status) {
    if (status === 401) return el('a', { href: '/' }, '重新登录');
    if (status === 403) return el('a', { href: location.pathname + location.search }, '刷新页面');
    return null;
  }

  // The per-material message line (role="status").
  function say(box, text, ok, link) {
    const msg = box.querySelector('.upload-msg');
    if (!msg) return;
    msg.textContent = text;
    msg.classList.toggle('is-ok', Boolean(ok));
    if (link) msg.append(' ', link);
  }

  // ── Counting against max_images ────────────────────────────────────

  function thumbCount(box) {
    return box.querySelectorAll('.thumbs > .thumb').length;
  }

  function pendingCount(box) {
    return box.querySelectorAll('.queue > li:not(.is-error):not(.is-done)').length;
  }

  function remaining(box) {
    return Number(box.dataset.max) - thumbCount(box) - pendingCount(box);
  }

  function refresh(box) {
    const max = Number(box.dataset.max);
    const count = thumbCount(box);
    const full = remaining(box) <= 0;
    box.dataset.remaining = String(Math.max(remaining(box), 0));
    const note = box.querySelector('.count-note');
    if (note && box.dataset.editable === 'true') {
      note.textContent = `已上传 ${count} 张，最多 ${max} 张` +
        (full ? '，已达上限。如需更换，请先删除不需要的图片。' : '');
    }
    const form = box.querySelector('.upload-form');
    if (form) form.classList.toggle('is-full', full);
    box.querySelectorAll('.thumb-link img').forEach((img, i) => {
      img.alt = `${box.dataset.name} 第 ${i + 1} 张`;
    });
  }

  // ── Shrinking photos in the browser ────────────────────────────────

  function loadImage(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => resolve({
        source: img, width: img.naturalWidth, height: img.naturalHeight,
        release: () => URL.revokeObjectURL(url),
      });
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error('decode')); };
      img.src = url;
    });
  }

  async function decode(file) {
    if (typeof createImageBitmap === 'function') {
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
        return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() };
      } catch (e) { /* older browsers: try an <img> below */ }
    }
    return loadImage(file);
  }

  // Resolves to { blob, name } to send. Never rejects: when the browser cannot
  // decode the file (e.g. HEIC), the original goes up and the server decides.
  async function prepare(file) {
    const original = { blob: file, name: file.name || 'image' };
    let decoded;
    try { decoded = await decode(file); } catch (e) { return original; }
    const longEdge = Math.max(decoded.width, decoded.height);
    if (!longEdge || (longEdge <= LONG_EDGE && file.size <= SHRINK_ABOVE_BYTES)) {
      decoded.release();
      return original;
    }
    const scale = Math.min(1, LONG_EDGE / longEdge);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(decoded.width * scale));
    canvas.height = Math.max(1, Math.round(decoded.height * scale));
    const ctx = canvas.getContext('2d');
    let blob = null;
    if (ctx) {
      ctx.fillStyle = '#fff'; // transparent PNG areas become white, not black
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(decoded.source, 0, 0, canvas.width, canvas.height);
      blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
    }
    decoded.release();
    canvas.width = canvas.height = 0; // frees the bitmap memory at once on iOS
    if (!blob || (blob.size >= file.size && longEdge <= LONG_EDGE)) return original;
    return { blob, name: original.name.replace(/\.[^.]*$/, '') + '.jpg' };
  }

  // ── The upload queue: two at a time, one row per file ──────────────

  const waiting = [];
  let running = 0;

  function pump() {
    while (running < CONCURRENCY && waiting.length) {
      const job = waiting.shift();
      running += 1;
      const done = () => { running -= 1; pump(); };
      run(job).then(done, (e) => { console.error(e); fail(job, 0, null); done(); });
    }
  }

  function enqueue(job) {
    waiting.push(job);
    pump();
  }

  function addFiles(box, files) {
    if (!files.length) return;
    const room = Math.max(remaining(box), 0);
    const accepted = files.slice(0, room);
    const refused = files.length - accepted.length;
    if (refused) {
      say(box, `本类材料最多上传 ${box.dataset.max} 张，多出的 ${refused} 张未上传。`);
    } else {
      say(box, '');
    }
    accepted.forEach((file) => enqueue(newJob(box, file)));
    refresh(box);
  }

  function newJob(box, file) {
    const name = file.name || '图片';
    const row = el('li', { class: 'job' });
    const progress = el('progress', { max: '100', 'aria-label': `${name} 上传进度` });
    const status = el('span', { class: 'job-status' }, '等待上传');
    const actions = el('span', { class: 'job-actions' });
    row.append(el('span', { class: 'job-name' }, name), progress, status, actions);
    box.querySelector('.queue').append(row);
    return { box, file, row, progress, status, actions, prepared: null, busyTries: 0 };
  }

  function setStatus(job, text, state) {
    job.row.classList.remove('is-error', 'is-done');
    if (state) job.row.classList.add(state);
    job.status.textContent = text;
    job.actions.textContent = '';
  }

  async function run(job) {
    setStatus(job, '正在处理图片…');
    job.progress.removeAttribute('value'); // indeterminate while shrinking
    if (!job.prepared) job.prepared = await prepare(job.file);
    const { blob, name } = job.prepared;
    if (blob.size > maxMb * 1024 * 1024) {
      fail(job, 413, null);
      return;
    }
    setStatus(job, '正在上传…');
    job.progress.value = 0;
    const res = await send(job, blob, name);
    if (res.status === 201 && res.body && res.body.id) {
      job.progress.value = 100;
      setStatus(job, '上传成功', 'is-done');
      addThumb(job.box, res.body);
      setTimeout(() => { job.row.remove(); refresh(job.box); }, 3000);
    } else if ((res.status === 503 || res.status === 429) && job.busyTries < BUSY_RETRIES) {
      job.busyTries += 1;
      const seconds = Math.min(Math.max(parseInt(res.retryAfter, 10) || 5, 1), 60);
      setStatus(job, `系统繁忙，${seconds} 秒后自动重试…`);
      setTimeout(() => enqueue(job), seconds * 1000);
    } else {
      fail(job, res.status, res.body);
    }
  }

  function send(job, blob, name) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/api/v1/materials/${encodeURIComponent(job.box.dataset.code)}/images`);
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      let lastSign = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastSign > STALL_MS) xhr.abort();
      }, 5000);
      xhr.upload.onprogress = (e) => {
        lastSign = Date.now();
        if (e.lengthComputable) job.progress.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.upload.onload = () => {
        lastSign = Date.now();
        job.status.textContent = '已发送，正在保存…';
      };
      xhr.onload = () => {
        clearInterval(watchdog);
        resolve({
          status: xhr.status,
          body: parseJson(xhr.responseText),
          retryAfter: xhr.getResponseHeader('Retry-After'),
        });
      };
      xhr.onerror = xhr.onabort = () => {
        clearInterval(watchdog);
        resolve({ status: 0, body: null });
      };
      const data = new FormData();
      data.append('file', blob, name);
      xhr.send(data);
    });
  }

  // Retrying cannot help when the file itself was refused or the session is gone.
  const FINAL = [401, 403, 413, 415, 422];

  function fail(job, status, body) {
    setStatus(job, errorText(status, body), 'is-error');
    job.progress.value = 0;
    const link = recoveryLink(status);
    if (link) job.actions.append(link);
    if (!FINAL.includes(status)) {
      const retry = el('button', { type: 'button', class: 'btn btn-secondary job-retry' }, '重试');
      retry.addEventListener('click', () => {
        if (remaining(job.box) <= 0) {
          say(job.box, `本类材料最多上传 ${job.box.dataset.max} 张，请先删除不需要的图片。`);
          return;
        }
        job.busyTries = 0;
        setStatus(job, '等待上传');
        refresh(job.box);
        enqueue(job);
      });
      job.actions.append(retry);
    }
    const dismiss = el('button', { type: 'button', class: 'btn btn-link job-dismiss' }, '移除');
    dismiss.addEventListener('click', () => {
      const next = job.row.nextElementSibling || job.row.previousElementSibling;
      job.row.remove();
      refresh(job.box);
      const target = next ? next.querySelector('button, a') : job.box.querySelector('.file-input');
      if (target) target.focus();
    });
    job.actions.append(dismiss);
    refresh(job.box);
  }

  function addThumb(box, image) {
    const item = el('li', { class: 'thumb', 'data-id': image.id });
    const link = el('a', {
      class: 'thumb-link', href: `/view/${encodeURIComponent(image.id)}`,
      'data-url': image.url, 'data-width': image.width, 'data-height': image.height,
    });
    link.append(el('img', { src: image.thumb_url, alt: '', width: '88', height: '88' }));
    const halves = el('span', { class: 'thumb-halves', 'aria-hidden': 'true' });
    halves.append(
      el('a', { class: 'half half-view', href: link.getAttribute('href'), tabindex: '-1' }, '查看'),
      el('a', { class: 'half half-delete', href: `${link.getAttribute('href')}?confirm=delete`, tabindex: '-1' }, '删除'),
    );
    item.append(link, halves);
    box.querySelector('.thumbs').append(item);
    refresh(box);
  }

  // ── Deleting ───────────────────────────────────────────────────────

  // Resolves to true when the image is gone; reports failures through `report`.
  async function deleteImage(item, box, report) {
    if (!window.confirm('确定删除这张图片吗？')) return false;
    let res;
    try {
      res = await fetch(`/api/v1/images/${encodeURIComponent(item.dataset.id)}`, {
        method: 'DELETE',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      });
    } catch (e) {
      report(errorText(0, null), null);
      return false;
    }
    if (res.status === 204 || res.status === 404) { // 404: already gone
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      refresh(box);
      say(box, '已删除 1 张图片。', true);
      const target = next ? next.querySelector('.thumb-link') : box.querySelector('.file-input');
      // Later, so that a viewer dialog has closed first (nothing outside a modal can take focus).
      if (target) setTimeout(() => target.focus(), 0);
      return true;
    }
    const body = parseJson(await res.text().catch(() => ''));
    report(errorText(res.status, body), recoveryLink(res.status));
    return false;
  }

  // ── The in-page viewer ─────────────────────────────────────────────

  let dialogCount = 0;

  // Returns false when <dialog> is unsupported, so the caller lets the link work.
  function openViewer(opts) {
    if (typeof HTMLDialogElement !== 'function') return false;
    const opener = document.activeElement;
    const titleId = `viewer-title-${++dialogCount}`;
    const dialog = el('dialog', { class: 'viewer', 'aria-labelledby': titleId });
    const head = el('div', { class: 'viewer-head' });
    head.append(el('h2', { id: titleId }, opts.title));
    const body = el('div', { class: 'viewer-body' });
    const img = el('img', { src: opts.src, alt: opts.alt });
    if (opts.width && opts.height) { img.width = opts.width; img.height = opts.height; }
    body.append(img);
    const error = el('p', { class: 'viewer-error', role: 'alert' });
    const actions = el('div', { class: 'viewer-actions' });
    if (opts.onDelete) {
      const del = el('button', { type: 'button', class: 'btn btn-danger' }, '删除');
      del.addEventListener('click', async () => {
        const gone = await opts.onDelete((text, link) => {
          error.textContent = text;
          if (link) error.append(' ', link);
        });
        if (gone) { dialog.dataset.deleted = 'true'; dialog.close(); }
      });
      actions.append(del);
    }
    const close = el('button', { type: 'button', class: 'btn btn-secondary' }, '关闭');
    close.addEventListener('click', () => dialog.close());
    actions.append(close);
    dialog.append(head, body, error, actions);
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (!dialog.dataset.deleted && opener && document.contains(opener)) opener.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
    return true;
  }

  // ── Wiring (delegated, so thumbnails added later work too) ─────────

  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const target = e.target.closest('.example-link, .thumb-link, .half-view, .half-delete');
    if (!target) return;

    if (target.classList.contains('example-link')) {
      const img = target.querySelector('img');
      if (openViewer({ title: target.dataset.title || '示例图片', src: target.href, alt: img ? img.alt : '' })) {
        e.preventDefault();
      }
      return;
    }

    const item = target.closest('.thumb');
    const box = target.closest('.uploads');
    if (!item || !box) return;
    const editable = box.dataset.editable === 'true';

    if (target.classList.contains('half-delete')) {
      e.preventDefault();
      deleteImage(item, box, (text, link) => say(box, text, false, link));
      return;
    }

    const link = item.querySelector('.thumb-link');
    const img = link.querySelector('img');
    const opened = openViewer({
      title: img ? img.alt : box.dataset.name,
      src: link.dataset.url,
      alt: img ? img.alt : '',
      width: Number(link.dataset.width),
      height: Number(link.dataset.height),
      onDelete: editable ? (report) => deleteImage(item, box, report) : null,
    });
    if (opened) e.preventDefault();
  });

  document.querySelectorAll('.uploads[data-editable="true"]').forEach((box) => {
    const form = box.querySelector('.upload-form');
    if (!form) return;
    const input = form.querySelector('.file-input');
    input.addEventListener('focus', () => form.classList.add('is-focused'));
    input.addEventListener('blur', () => form.classList.remove('is-focused'));
    input.addEventListener('change', () => {
      addFiles(box, Array.from(input.files || []));
      input.value = '';
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      addFiles(box, Array.from(input.files || []));
      input.value = '';
    });
    // Desktop: files dropped anywhere on the material's upload cell.
    box.addEventListener('dragover', (e) => { e.preventDefault(); });
    box.addEventListener('drop', (e) => {
      e.preventDefault();
      addFiles(box, Array.from(e.dataTransfer.files || []));
    });
    refresh(box);
  });

  // Leaving with uploads unfinished would lose them: ask first.
  window.addEventListener('beforeunload', (e) => {
    if (document.querySelector('.queue > li:not(.is-error):not(.is-done)')) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  // One click, one POST: ignore a second submit of the same form (e.g. 确认提交 tapped twice).
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form.classList.contains('upload-form')) return;
    if (form.dataset.sending) { e.preventDefault(); return; }
    form.dataset.sending = 'true';
  });
  window.addEventListener('pageshow', () => {
    document.querySelectorAll('form[data-sending]').forEach((f) => { delete f.dataset.sending; });
  });
})();
