// Generates each chart's README Parameters section and values.schema.json (see .ci/chart-docs).
// The generator writes an OpenAPI-style schema of types, descriptions and defaults; we take its
// defaults from values.yaml itself (it writes "[]" as a string for [array] parameters) and lay
// the hand-kept constraints of values.schema.rules.json over it: rules win, and a rules node
// with "$ref" replaces the generated one (keeping its description).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const YAML = require('yaml');
const { runReadmeGenerator } = require('@bitnami/readme-generator-for-helm');

function withDefaultsFromValues(node, values) {
  if (!node || typeof node !== 'object' || !node.properties) return node;
  for (const [key, child] of Object.entries(node.properties)) {
    const value = values && typeof values === 'object' ? values[key] : undefined;
    if ('default' in child && value !== undefined) child.default = value;
    withDefaultsFromValues(child, value);
  }
  return node;
}

function overlay(generated, rules, where) {
  if (rules === undefined) return generated;
  if (generated === undefined) return rules;
  if (rules && typeof rules === 'object' && '$ref' in rules) {
    return generated.description ? { description: generated.description, ...rules } : rules;
  }
  if (typeof generated !== 'object' || typeof rules !== 'object' || Array.isArray(rules) || Array.isArray(generated)) {
    return rules;
  }
  const merged = { ...generated };
  for (const [key, value] of Object.entries(rules)) {
    merged[key] = overlay(generated[key], value, `${where}.${key}`);
  }
  return merged;
}

// A rule for a key values.yaml does not have would constrain nothing anyone documents.
function undocumentedRules(rules, generated, where, found) {
  const props = (rules && rules.properties) || {};
  if (!generated || !generated.properties) return found; // a documented leaf object: rules may shape its inside
  for (const [key, rule] of Object.entries(props)) {
    const gen = generated.properties[key];
    if (gen === undefined) found.push(`${where}${key}`);
    else if (!('$ref' in rule)) undocumentedRules(rule, gen, `${where}${key}.`, found);
  }
  return found;
}

function generate(chart) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-docs-'));
  const readme = path.join(work, 'README.md');
  const schema = path.join(work, 'schema.json');
  fs.copyFileSync(path.join(chart, 'README.md'), readme);
  const log = console.log;
  console.log = () => {};
  try {
    runReadmeGenerator({ values: path.join(chart, 'values.yaml'), readme, schema });
  } finally {
    console.log = log;
  }
  const values = YAML.parse(fs.readFileSync(path.join(chart, 'values.yaml'), 'utf8'));
  const generated = withDefaultsFromValues(JSON.parse(fs.readFileSync(schema, 'utf8')), values);
  delete generated.title;
  const rules = JSON.parse(fs.readFileSync(path.join(chart, 'values.schema.rules.json'), 'utf8'));
  const stray = undocumentedRules(rules, generated, '', []);
  if (stray.length > 0) throw new Error(`${chart}/values.schema.rules.json constrains keys values.yaml does not document: ${stray.join(', ')}`);
  const merged = overlay(generated, rules, '');
  const ordered = { $schema: merged.$schema, title: merged.title, ...merged };
  return {
    'README.md': fs.readFileSync(readme, 'utf8'),
    'values.schema.json': `${JSON.stringify(ordered, null, 2)}\n`,
  };
}

const [mode, ...charts] = process.argv.slice(2);
if (mode !== 'check' && mode !== 'write') {
  console.error('usage: chart-docs check|write CHART...');
  process.exit(2);
}
let stale = 0;
for (const chart of charts) {
  for (const [file, text] of Object.entries(generate(chart))) {
    const target = path.join(chart, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current === text) continue;
    if (mode === 'write') {
      fs.writeFileSync(target, text);
      console.log(`written: ${target}`);
    } else {
      console.error(`stale: ${target} differs from what values.yaml's @param comments generate; run .ci/chart-docs write`);
      stale += 1;
    }
  }
}
process.exit(stale > 0 ? 1 : 0);
