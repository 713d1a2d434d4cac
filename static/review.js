/*
 * shenhe reviewer pages: keyboard and image viewer, as progressive enhancement.
 *
 * Without this file every action still works: the queue's 领取下一位 and the case's
 * decision form are plain form posts, an image link opens the image itself. With it:
 *   - keys (`?` lists them): on the queue N = 领取下一位; on a case J/K (←/→) move
 *     between images, Enter opens the current one, F marks its material 不合格,
 *     A then Enter approves, R goes to what a return needs, N goes on to the next case;
 *   - a viewer with zoom (+/−/wheel), pan (drag), rotate (R, for viewing only),
 *     previous/next across every image of the case, Esc to close;
 *   - the reason of a 不合格 material (and its note, for a reason that needs words)
 *     becomes required, so the browser asks before the server has to.
 * Keys are ignored while typing. No inline script or style (the CSP forbids them):
 * the viewer sets `element.style` through the CSSOM, which the CSP allows.
 */
'use strict';

(() => {
  const root = document.querySelector('[data-page]');
  if (!root) return;
  const page = root.dataset.page;
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  document.documentElement.classList.add('js');

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ── Typing guard ───────────────────────────────────────────────────

  const NOT_TEXT = ['radio', 'checkbox', 'button', 'submit', 'reset'];

  function typing(e) {
    const t = e.target;
    if (!(t instanceof Element)) return false;
    if (t.isContentEditable) return true;
    const tag = t.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag === 'INPUT') {
      // Arrows move between radio buttons: leave them to the browser.
      if (t.type === 'radio' && e.key.startsWith('Arrow')) return true;
      return !NOT_TEXT.includes(t.type);
    }
    return false;
  }

  // ── The message bar (hints and the approve confirmation) ───────────

  const bar = document.getElementById('rv-confirm') || (() => {
    const node = el('div', { class: 'rv-confirm', role: 'status', 'aria-live': 'assertive' });
    node.hidden = true;
    document.body.append(node);
    return node;
  })();
  let barTimer = 0;
  let pending = null; // 'approve' while the confirm bar waits for Enter

  function hint(text) {
    pending = null;
    clearTimeout(barTimer);
    bar.className = 'rv-confirm is-hint';
    bar.textContent = text;
    bar.hidden = false;
    barTimer = setTimeout(() => { bar.hidden = true; }, 5000);
  }

  function askApprove() {
    clearTimeout(barTimer);
    pending = 'approve';
    bar.className = 'rv-confirm is-confirm';
    bar.textContent = '按 Enter 确认审核通过（按 Esc 取消）';
    bar.hidden = false;
  }

  function clearBar() {
    pending = null;
    clearTimeout(barTimer);
    bar.hidden = true;
  }

  // ── Help ───────────────────────────────────────────────────────────

  const help = document.getElementById('rv-help');

  function showHelp() {
    if (help && typeof help.showModal === 'function' && !help.open) help.showModal();
  }

  document.querySelectorAll('.rv-help-open').forEach((button) => {
    button.hidden = false;
    button.addEventListener('click', showHelp);
  });

  function anyDialogOpen(except) {
    return Array.from(document.querySelectorAll('dialog')).some((d) => d.open && d !== except);
  }

  // ── Queue page ─────────────────────────────────────────────────────

  function nextCase() {
    const form = document.getElementById('claim-next');
    if (form) {
      if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else form.submit();
      return true;
    }
    const link = document.querySelector('.rv-next a.btn');
    if (link) { window.location.href = link.href; return true; }
    return false;
  }

  if (page === 'queue') {
    document.addEventListener('keydown', (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
      if (anyDialogOpen()) return;
      if (e.key === '?') { e.preventDefault(); showHelp(); return; }
      if (e.key === 'n' || e.key === 'N') { e.preventDefault(); nextCase(); }
    });
    return;
  }

  // ── Case page ──────────────────────────────────────────────────────

  const canDecide = root.dataset.canDecide === 'true';
  const form = document.getElementById('decision');
  const links = Array.from(document.querySelectorAll('.rv-image-link'));
  let current = -1;

  const error = document.getElementById('decision-error');
  if (error) error.focus();

  // Required fields follow the verdicts: a 不合格 material needs a reason, and a reason
  // like 其他（请说明） needs words.
  function syncVerdict(section) {
    const fail = section.querySelector('.rv-fail');
    const select = section.querySelector('.rv-reason');
    const note = section.querySelector('.rv-note');
    if (!fail || !select || !note) return;
    const failed = fail.checked;
    const option = select.selectedOptions[0];
    select.required = failed;
    note.required = failed && Boolean(option && option.dataset.needsText === 'true');
  }

  document.querySelectorAll('.rv-material').forEach((section) => {
    section.addEventListener('change', () => syncVerdict(section));
    syncVerdict(section);
  });

  if (form) {
    const comment = document.getElementById('comment');
    form.addEventListener('click', (e) => {
      const button = e.target.closest('button[name="outcome"]');
      if (button && comment) comment.required = button.value === 'reject';
    });
  }

  function sectionOf(code) {
    return document.querySelector(`.rv-material[data-code="${CSS.escape(code)}"]`);
  }

  function visibleArea(node) {
    const r = node.getBoundingClientRect();
    const h = Math.max(0, Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0));
    const w = Math.max(0, Math.min(r.right, window.innerWidth) - Math.max(r.left, 0));
    return h * w;
  }

  function inView(node) {
    return visibleArea(node) > 0;
  }

  function mostVisible(nodes) {
    let best = null;
    let bestArea = 0;
    nodes.forEach((node) => {
      const area = visibleArea(node);
      if (area > bestArea) { best = node; bestArea = area; }
    });
    return best;
  }

  function goTo(index) {
    if (!links.length) return;
    current = Math.max(0, Math.min(links.length - 1, index));
    const link = links[current];
    link.scrollIntoView({ block: 'start', behavior: reduceMotion ? 'auto' : 'smooth' });
    link.focus({ preventScroll: true });
  }

  function step(delta) {
    if (!links.length) return;
    if (current >= 0 && inView(links[current])) { goTo(current + delta); return; }
    if (delta > 0) {
      const below = links.findIndex((l) => l.getBoundingClientRect().top >= 8);
      goTo(below === -1 ? links.length - 1 : below);
    } else {
      let above = -1;
      links.forEach((l, i) => { if (l.getBoundingClientRect().top < -8) above = i; });
      goTo(above === -1 ? 0 : above);
    }
  }

  links.forEach((link, i) => {
    link.addEventListener('focus', () => { current = i; });
  });

  // The material being looked at: the viewer's image, the focused one, or what is on screen.
  function currentCode() {
    if (viewer.isOpen()) return viewer.code();
    const focused = document.activeElement && document.activeElement.closest('.rv-material');
    if (focused) return focused.dataset.code;
    if (current >= 0 && inView(links[current])) return links[current].dataset.code;
    const section = mostVisible(Array.from(document.querySelectorAll('.rv-material')));
    return section ? section.dataset.code : null;
  }

  function markFailed() {
    if (!canDecide) { hint('您未领取该考生，不能标记材料。'); return; }
    const code = currentCode();
    const section = code && sectionOf(code);
    if (!section) return;
    if (viewer.isOpen()) viewer.close();
    const fail = section.querySelector('.rv-fail');
    const select = section.querySelector('.rv-reason');
    if (!fail || !select) return;
    fail.checked = true;
    syncVerdict(section);
    select.scrollIntoView({ block: 'center', behavior: reduceMotion ? 'auto' : 'smooth' });
    select.focus({ preventScroll: true });
  }

  function failedSections() {
    return Array.from(document.querySelectorAll('.rv-material'))
      .filter((s) => { const f = s.querySelector('.rv-fail'); return f && f.checked; });
  }

  function approve() {
    if (!canDecide) { hint('您未领取该考生，不能作出审核决定。'); return; }
    if (failedSections().length) {
      hint('有材料标记为不合格，不能审核通过。请改为“退回修改”或“审核不通过”。');
      return;
    }
    askApprove();
  }

  function confirmApprove() {
    clearBar();
    const button = document.getElementById('btn-approve');
    if (!form || !button) return;
    if (typeof form.requestSubmit === 'function') form.requestSubmit(button);
    else button.click();
  }

  function prepareReturn() {
    if (!canDecide) { hint('您未领取该考生，不能作出审核决定。'); return; }
    const failed = failedSections();
    if (!failed.length) {
      hint('退回修改前，请先将需修改的材料标记为“不合格”（按 F）并选择原因。');
      const first = document.querySelector('.rv-fail');
      if (first) first.focus();
      return;
    }
    const missing = failed.find((s) => !s.querySelector('.rv-reason').value);
    if (missing) {
      const select = missing.querySelector('.rv-reason');
      select.scrollIntoView({ block: 'center', behavior: reduceMotion ? 'auto' : 'smooth' });
      select.focus({ preventScroll: true });
      hint('请为不合格的材料选择原因。');
      return;
    }
    const comment = document.getElementById('comment');
    if (comment) {
      comment.scrollIntoView({ block: 'center', behavior: reduceMotion ? 'auto' : 'smooth' });
      comment.focus({ preventScroll: true });
    }
    hint('可填写审核意见，然后点击“退回修改”提交。');
  }

  function goOn() {
    if (canDecide) {
      hint('您正在审核本考生：请先作出审核决定，或点击“释放”后再领取下一位。');
      return;
    }
    nextCase();
  }

  // ── The viewer ─────────────────────────────────────────────────────

  const viewer = (() => {
    const MIN = 0.2;
    const MAX = 8;
    let dialog = null;
    let img = null;
    let stage = null;
    let title = null;
    let position = null;
    let items = [];
    let index = 0;
    let zoom = 1;
    let rotation = 0;
    let tx = 0;
    let ty = 0;
    let opener = null;

    function button(label, text, onClick, keys) {
      const b = el('button', { type: 'button', class: 'btn btn-secondary rv-viewer-btn', 'aria-label': label }, text);
      if (keys) b.setAttribute('aria-keyshortcuts', keys);
      b.addEventListener('click', onClick);
      return b;
    }

    function build() {
      dialog = el('dialog', { class: 'rv-viewer', 'aria-labelledby': 'rv-viewer-title' });
      const head = el('div', { class: 'rv-viewer-bar' });
      title = el('h2', { id: 'rv-viewer-title' });
      position = el('span', { class: 'rv-viewer-pos', 'aria-live': 'polite' });
      const tools = el('div', { class: 'rv-viewer-tools' });
      tools.append(
        button('上一张（K 或 ←）', '‹ 上一张', () => show(index - 1), 'K ArrowLeft'),
        button('下一张（J 或 →）', '下一张 ›', () => show(index + 1), 'J ArrowRight'),
        button('缩小（−）', '−', () => zoomBy(1 / 1.25), '-'),
        button('放大（+）', '+', () => zoomBy(1.25), '+'),
        button('还原（0）', '还原', reset, '0'),
        button('旋转（R，仅供查看）', '旋转', rotate, 'R'),
        button('标记该材料不合格（F）', '不合格', markFailed, 'F'),
        button('关闭（Esc）', '关闭', close, 'Escape'),
      );
      head.append(title, position, tools);
      stage = el('div', { class: 'rv-viewer-stage' });
      img = el('img', { alt: '', draggable: 'false' });
      stage.append(img);
      dialog.append(head, stage);
      document.body.append(dialog);

      img.addEventListener('load', fit);
      stage.addEventListener('wheel', (e) => {
        e.preventDefault();
        zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX, e.clientY);
      }, { passive: false });
      stage.addEventListener('dblclick', (e) => {
        if (zoom > 1.01) reset(); else zoomBy(2, e.clientX, e.clientY);
      });
      let drag = null;
      stage.addEventListener('pointerdown', (e) => {
        if (e.button !== 0) return;
        drag = { x: e.clientX, y: e.clientY, tx, ty };
        stage.setPointerCapture(e.pointerId);
        stage.classList.add('is-dragging');
      });
      stage.addEventListener('pointermove', (e) => {
        if (!drag) return;
        tx = drag.tx + (e.clientX - drag.x);
        ty = drag.ty + (e.clientY - drag.y);
        apply();
      });
      const stop = () => { drag = null; stage.classList.remove('is-dragging'); };
      stage.addEventListener('pointerup', stop);
      stage.addEventListener('pointercancel', stop);
      dialog.addEventListener('close', () => {
        const back = items[index] && items[index].link;
        const target = back || opener;
        if (target && document.contains(target)) target.focus({ preventScroll: true });
      });
    }

    // The scale that fits the image, rotated, into the stage (the <img> itself is laid
    // out unrotated with max-width / max-height 100%).
    function fitScale() {
      if (rotation % 180 === 0) return 1;
      const w = img.offsetWidth;
      const h = img.offsetHeight;
      if (!w || !h) return 1;
      return Math.min(stage.clientWidth / h, stage.clientHeight / w);
    }

    function apply() {
      const scale = fitScale() * zoom;
      img.style.transform = `translate(${tx}px, ${ty}px) rotate(${rotation}deg) scale(${scale})`;
    }

    function fit() { apply(); }

    function reset() {
      zoom = 1; rotation = 0; tx = 0; ty = 0;
      apply();
    }

    function zoomBy(factor, clientX, clientY) {
      const next = Math.max(MIN, Math.min(MAX, zoom * factor));
      const ratio = next / zoom;
      if (clientX !== undefined) {
        // Keep the point under the pointer where it is.
        const r = stage.getBoundingClientRect();
        const px = clientX - (r.left + r.width / 2);
        const py = clientY - (r.top + r.height / 2);
        tx = px - (px - tx) * ratio;
        ty = py - (py - ty) * ratio;
      } else {
        tx *= ratio;
        ty *= ratio;
      }
      zoom = next;
      apply();
    }

    function rotate() {
      rotation = (rotation + 90) % 360;
      tx = 0; ty = 0;
      apply();
    }

    function show(i) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, i));
      const item = items[index];
      zoom = 1; rotation = 0; tx = 0; ty = 0;
      img.style.transform = '';
      if (item.width && item.height) { img.width = item.width; img.height = item.height; }
      else { img.removeAttribute('width'); img.removeAttribute('height'); }
      img.src = item.src;
      img.alt = item.alt;
      title.textContent = item.title;
      position.textContent = items.length > 1 ? `${index + 1} / ${items.length}` : '';
      if (item.link) current = links.indexOf(item.link);
    }

    function open(list, at) {
      if (typeof HTMLDialogElement !== 'function') return false;
      if (!dialog) build();
      opener = document.activeElement;
      items = list;
      show(at);
      if (!dialog.open) dialog.showModal();
      return true;
    }

    function close() {
      if (dialog && dialog.open) dialog.close();
    }

    return {
      open,
      close,
      show: (i) => show(i),
      isOpen: () => Boolean(dialog && dialog.open),
      index: () => index,
      code: () => (items[index] && items[index].code) || null,
      zoomBy,
      reset,
      rotate,
      dialog: () => dialog,
    };
  })();

  function pageItems() {
    return links.map((link) => {
      const image = link.querySelector('img');
      return {
        src: link.href,
        alt: image ? image.alt : '',
        title: image ? image.alt : '',
        width: image ? Number(image.getAttribute('width')) : 0,
        height: image ? Number(image.getAttribute('height')) : 0,
        code: link.dataset.code,
        link,
      };
    });
  }

  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const link = e.target.closest('.rv-image-link');
    if (link) {
      current = links.indexOf(link);
      if (viewer.open(pageItems(), current)) e.preventDefault();
      return;
    }
    const example = e.target.closest('.rv-example');
    if (example) {
      const image = example.querySelector('img');
      const item = {
        src: example.href, alt: image ? image.alt : '', title: example.dataset.title || '示例图片',
        width: 0, height: 0, code: null, link: null,
      };
      if (viewer.open([item], 0)) e.preventDefault();
    }
  });

  // ── Keys ───────────────────────────────────────────────────────────

  function viewerKey(e) {
    const key = e.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    const actions = {
      j: () => viewer.show(viewer.index() + 1),
      ArrowRight: () => viewer.show(viewer.index() + 1),
      k: () => viewer.show(viewer.index() - 1),
      ArrowLeft: () => viewer.show(viewer.index() - 1),
      '+': () => viewer.zoomBy(1.25),
      '=': () => viewer.zoomBy(1.25),
      '-': () => viewer.zoomBy(1 / 1.25),
      _: () => viewer.zoomBy(1 / 1.25),
      0: () => viewer.reset(),
      r: () => viewer.rotate(),
      f: markFailed,
      '?': showHelp,
    };
    const action = actions[lower];
    if (action) { e.preventDefault(); action(); }
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (viewer.isOpen()) { viewerKey(e); return; }
    if (anyDialogOpen()) return;
    if (pending === 'approve') {
      if (e.key === 'Enter') { e.preventDefault(); confirmApprove(); return; }
      if (e.key === 'Escape') { e.preventDefault(); clearBar(); return; }
      if (e.key !== 'Shift') clearBar();
    }
    if (typing(e)) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const actions = {
      j: () => step(1),
      ArrowRight: () => step(1),
      k: () => step(-1),
      ArrowLeft: () => step(-1),
      f: markFailed,
      a: approve,
      r: prepareReturn,
      n: goOn,
      '?': showHelp,
      Escape: clearBar,
    };
    const action = actions[key];
    if (action) { e.preventDefault(); action(); }
  });
})();
