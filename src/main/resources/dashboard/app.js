'use strict';
// The live page: a snapshot on connect, then one update per push with every stream that changed. Stream ids and
// labels only ever go into textContent or attributes, never into markup. Drawing happens once per display frame,
// only for the streams that changed, so hundreds of streams do not stall the page.

const ACTIONS = ['idle', 'walk', 'run', 'jump', 'wave', 'clap', 'sit_down', 'fall'];
const COLOURS = ['#868e96', '#1c7ed6', '#e8590c', '#f59f00', '#7048e8', '#d6336c', '#0ca678', '#c92a2a'];
// audio minus video, in ms: audio more than 45 ms early or more than 125 ms late is out of sync
const BAND = { early: -45, late: 125 };
const OFFSET_RANGE = 350;
const HISTORY = 60;
const SVG = 'http://www.w3.org/2000/svg';

const streams = new Map();
const dirty = new Set();
let system = null;
let frameRequested = false;

function selected() {
  return location.hash.startsWith('#stream=') ? decodeURIComponent(location.hash.slice('#stream='.length)) : null;
}

function connect() {
  const source = new EventSource('/events');
  source.addEventListener('open', () => setConnection(true));
  source.addEventListener('error', () => setConnection(false));
  source.addEventListener('snapshot', event => {
    const data = JSON.parse(event.data);
    // after a reconnect, streams the server no longer knows keep what they showed
    for (const [id, windows] of Object.entries(data.streams)) {
      stream(id).history = windows.slice(-HISTORY);
      dirty.add(id);
    }
    separated(data.separated);
    system = data.system;
    schedule();
  });
  source.addEventListener('update', event => {
    const data = JSON.parse(event.data);
    // how many updates this page has received, for people and tests to see that it is live
    const badge = document.getElementById('connection');
    badge.dataset.updates = Number(badge.dataset.updates || 0) + 1;
    for (const [id, window] of Object.entries(data.streams)) {
      const history = stream(id).history;
      if (history.length === 0 || history[history.length - 1].start !== window.start) {
        history.push(window);
        if (history.length > HISTORY) history.shift();
      }
      dirty.add(id);
    }
    separated(data.separated);
    system = data.system;
    schedule();
  });
}

// the separated audio's figures per stream: seconds published, level of the newest second, its capture end
function separated(figures) {
  for (const [id, audio] of Object.entries(figures || {})) {
    stream(id).separated = audio;
    dirty.add(id);
  }
}

function setConnection(up) {
  const badge = document.getElementById('connection');
  badge.textContent = up ? 'live' : 'reconnecting';
  badge.classList.toggle('down', !up);
}

function stream(id) {
  let entry = streams.get(id);
  if (!entry) {
    entry = { history: [], card: null };
    streams.set(id, entry);
  }
  return entry;
}

function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function render() {
  frameRequested = false;
  const alone = selected();
  document.getElementById('grid').classList.toggle('alone', alone !== null);
  for (const id of dirty) {
    const entry = streams.get(id);
    if (!entry.card) entry.card = createCard(id);
    entry.card.hidden = alone !== null && alone !== id;
    draw(entry);
  }
  dirty.clear();
  if (system) drawSystem(system);
}

function createCard(id) {
  const card = document.getElementById('card-template').content.firstElementChild.cloneNode(true);
  const link = card.querySelector('.id');
  link.textContent = id;
  link.href = '#stream=' + encodeURIComponent(id);
  card.dataset.stream = id;
  // the last seconds of the actor's separated audio, fetched only when asked for (a fresh URL each time: the newest)
  card.querySelector('.play').addEventListener('click', () => {
    const player = card.querySelector('.separated-audio');
    player.src = '/audio?stream=' + encodeURIComponent(id) + '&at=' + Date.now();
    // a browser that refuses to play (no audio device, a policy) says why on the card rather than nothing happening
    player.play().catch(error => {
      card.querySelector('.separated-figures').textContent += ' (cannot play here: ' + error.message + ')';
    });
  });
  const probabilities = card.querySelector('svg.probabilities');
  ACTIONS.forEach((action, k) => {
    const line = svg('polyline', { 'data-action': action });
    line.style.stroke = COLOURS[k];
    probabilities.appendChild(line);
  });
  const offset = card.querySelector('svg.offset');
  offset.appendChild(svg('rect', { class: 'band', x: 0, width: 300, y: offsetY(BAND.late), height: offsetY(BAND.early) - offsetY(BAND.late) }));
  offset.appendChild(svg('line', { class: 'zero', x1: 0, x2: 300, y1: offsetY(0), y2: offsetY(0) }));
  offset.appendChild(svg('polyline', { class: 'offset-line' }));
  offset.appendChild(svg('circle', { r: 3, cx: -10, cy: -10 }));
  document.getElementById('grid').appendChild(card);
  return card;
}

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function outOfBand(ms) {
  return ms < BAND.early || ms > BAND.late;
}

function offsetY(ms) {
  const clamped = Math.max(-OFFSET_RANGE, Math.min(OFFSET_RANGE, ms));
  return 30 - (clamped / OFFSET_RANGE) * 28;
}

function x(i) {
  return (i * 300) / (HISTORY - 1);
}

function draw(entry) {
  const card = entry.card;
  const history = entry.history;
  const audio = entry.separated;
  card.querySelector('.separated').hidden = !audio;
  if (audio) {
    card.querySelector('.separated-figures').textContent = 'separated audio: ' + audio.seconds.toFixed(0) + ' s, '
      + audio.levelDb.toFixed(0) + ' dB';
    card.querySelector('.separated-level').value = audio.levelDb;
  }
  const latest = history[history.length - 1];
  if (!latest) return;
  const fusion = latest.fusion;
  const action = latest.action;
  card.querySelector('.label').textContent = fusion && fusion.label ? fusion.label : '-';
  card.querySelector('.confidence').textContent = fusion && fusion.label ? Math.round(100 * score(fusion)) + '%' : (fusion ? fusion.reason : '');
  card.querySelector('.action').textContent = 'video: ' + (action && action.label ? action.label + ' ' + Math.round(100 * score(action)) + '%'
    : 'no action' + (action && action.reason ? ' (' + action.reason + ')' : ''));
  // any other model's result, shown by its kind: a label with its confidence, or its values
  card.querySelector('.results').textContent = Object.entries(latest)
    .filter(([task, result]) => task !== 'fusion' && task !== 'action' && result && typeof result === 'object' && result.model)
    .map(([task, result]) => task + ': ' + describe(result)).join('   ');
  // the window's texts as they came (textContent: a text never becomes markup)
  card.querySelector('.texts').textContent = (latest.texts || []).map((t) => t.source + ': ' + t.text).join('   ');
  // the alarm follows the stream's offset over its recent decisive windows, which holds still where one window's flickers
  const stream = latest.streamOffsetMs;
  card.querySelector('.sync').textContent = stream === undefined ? 'sync: -' : 'audio ' + signed(stream) + ' ms ('
    + latest.streamSyncWindows + ' windows, ' + Math.round(100 * latest.streamSyncAgreement) + '% agree)';
  card.classList.toggle('alarm', stream !== undefined && outOfBand(stream));
  for (const badge of card.querySelectorAll('[data-modality]')) {
    badge.classList.toggle('absent', !latest.present.includes(badge.dataset.modality));
  }
  card.querySelector('.latency').textContent = latest.latencyMs + ' ms';

  const offset = history.length - HISTORY;
  card.querySelectorAll('svg.probabilities polyline').forEach((line, k) => {
    const points = [];
    history.forEach((window, i) => {
      const head = window.fusion && window.fusion.label ? window.fusion : null;
      if (head) points.push(x(i - offset).toFixed(1) + ',' + (58 - 56 * (head.scores[head.labels.indexOf(ACTIONS[k])] || 0)).toFixed(1));
    });
    line.setAttribute('points', points.join(' '));
  });
  const points = [];
  history.forEach((window, i) => {
    if (window.offsetMs !== undefined) points.push(x(i - offset).toFixed(1) + ',' + offsetY(window.offsetMs).toFixed(1));
  });
  card.querySelector('svg.offset polyline').setAttribute('points', points.join(' '));
  const dot = card.querySelector('svg.offset circle');
  if (latest.offsetMs !== undefined) {
    dot.setAttribute('cx', x(history.length - 1 - offset));
    dot.setAttribute('cy', offsetY(latest.offsetMs));
    dot.setAttribute('class', outOfBand(latest.offsetMs) ? 'off' : 'ok');
  }
}

function describe(result) {
  // a text the model wrote (a caption) has no scores
  if (result.label) return result.labels.length ? result.label + ' ' + Math.round(100 * score(result)) + '%' : result.label;
  if (result.values && result.values.length) return result.values.map((v) => Number(v.toFixed(2))).join(' / ');
  if (result.dims) return result.dims + '-d embedding';
  return result.reason || '-';
}

function score(head) {
  return head.scores[head.labels.indexOf(head.label)] || 0;
}

function signed(ms) {
  return (ms > 0 ? '+' : '') + ms;
}

function drawSystem(figures) {
  document.getElementById('sys-streams').textContent = figures.streams;
  document.getElementById('sys-rate').textContent = figures.perSecond.toFixed(1);
  document.getElementById('sys-latency').textContent = figures.latencyP50Ms + ' / ' + figures.latencyP99Ms + ' ms';
  document.getElementById('sys-late').textContent = figures.late;
  document.getElementById('sys-dead').textContent = figures.deadLetters;
  const feed = document.getElementById('sys-feed');
  feed.hidden = figures.feed === 'ok';
  feed.textContent = figures.feed === 'ok' ? '' : 'Kafka feed ' + figures.feed;
  const panel = document.getElementById('accuracy');
  panel.hidden = !figures.accuracy;
  if (!figures.accuracy) return;
  panel.replaceChildren();
  for (const [model, score] of Object.entries(figures.accuracy)) {
    const item = document.createElement('div');
    const value = document.createElement('b');
    value.textContent = model === 'av_sync'
      ? (score.meanErrorMs === null ? '-' : Math.round(score.meanErrorMs) + ' ms')
      : (score.accuracy === null ? '-' : (100 * score.accuracy).toFixed(1) + '%');
    item.append(value, ' ' + model + (model === 'av_sync' ? ' mean offset error' : ' accuracy') + ' (' + score.windows + ' windows)');
    panel.appendChild(item);
  }
}

function legend() {
  const box = document.getElementById('legend');
  ACTIONS.forEach((action, k) => {
    const item = document.createElement('span');
    item.textContent = action;
    item.style.setProperty('--colour', COLOURS[k]);
    box.appendChild(item);
  });
  const band = document.createElement('span');
  band.textContent = 'in-sync band: audio ' + BAND.early + ' to +' + BAND.late + ' ms';
  band.style.setProperty('--colour', '#d3f9d8');
  box.appendChild(band);
}

window.addEventListener('hashchange', () => {
  for (const id of streams.keys()) dirty.add(id);
  schedule();
});
// the search box: words to the server, which embeds them and asks its index of recent window embeddings
document.getElementById('search').addEventListener('submit', async event => {
  event.preventDefault();
  const words = document.getElementById('search-words').value.trim();
  const box = document.getElementById('search-results');
  box.hidden = false;
  box.replaceChildren();
  if (!words) return;
  const response = await fetch('/search?k=10&q=' + encodeURIComponent(words));
  if (!response.ok) {
    box.textContent = await response.text();
    return;
  }
  const data = await response.json();
  const head = document.createElement('div');
  head.textContent = data.hits.length + ' of ' + data.windows + ' recent windows most like "' + data.query + '":';
  const list = document.createElement('ol');
  for (const hit of data.hits) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.className = 'hit';
    link.textContent = hit.stream + ' ' + new Date(hit.start).toISOString().slice(11, 19) + '-' + new Date(hit.end).toISOString().slice(11, 19);
    link.href = '#stream=' + encodeURIComponent(hit.stream);
    const similarity = document.createElement('span');
    similarity.className = 'similarity';
    similarity.textContent = hit.similarity.toFixed(3);
    item.append(link, similarity);
    list.appendChild(item);
  }
  box.append(head, list);
});

legend();
connect();
