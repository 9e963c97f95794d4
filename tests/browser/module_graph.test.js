// The console's ES modules (web/js) form a tree under main.js: no view
// imports the entry point back and no import cycle exists, so a module's
// state is initialised before anything reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../../web/js/', import.meta.url).pathname;

function importsOf(file) {
  const text = readFileSync(join(dir, file), 'utf8');
  return [...text.matchAll(/^\s*import\s[^'"]*['"]\.\/([^'"]+)['"]/gm)].map((m) => m[1]);
}

const graph = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.js'))
  .map((f) => [f, importsOf(f)]));

function findCycle() {
  const state = {};  // undefined: unseen, 1: on the stack, 2: done
  const stack = [];
  const visit = (file) => {
    if (state[file] === 1) return [...stack.slice(stack.indexOf(file)), file];
    if (state[file] === 2) return null;
    state[file] = 1;
    stack.push(file);
    for (const next of graph[file] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state[file] = 2;
    return null;
  };
  for (const file of Object.keys(graph)) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

test('every console module is reached from main.js', () => {
  assert.ok(graph['main.js'].length > 0, 'main.js imports the views');
  for (const [file, imports] of Object.entries(graph)) {
    for (const target of imports) assert.ok(target in graph, `${file} imports missing ${target}`);
  }
});

test('no console module imports main.js', () => {
  const importers = Object.entries(graph).filter(([, imports]) => imports.includes('main.js'));
  assert.deepEqual(importers.map(([file]) => file), []);
});

test('the console modules have no import cycle', () => {
  assert.equal(findCycle()?.join(' -> ') ?? null, null);
});
