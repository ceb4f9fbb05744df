// Validates the product's Backstage files with Backstage's own code:
//
//   1. every entity (examples/backstage/catalog-info.yaml and both Software Templates)
//      through the catalog's entity policies and kind validators
//      (@backstage/catalog-model; the Template kind's validator comes from
//      @backstage/plugin-scaffolder-common);
//   2. the template form's JSON Schema (each page, with ajv as the form does)
//      accepts examples/xr.yaml's spec and the good input cases of
//      e2e/testdata/input-cases.yaml, and refuses every bad one, except the
//      rules the form says the cluster checks;
//   3. the manifest both templates write (the fetch:template skeleton and the
//      kube:apply step's manifest), rendered with nunjucks as Backstage
//      configures it, is a CatalogApi with exactly the form's values.
//
// Prints one line per check and a summary; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import Ajv from 'ajv';
import nunjucks from 'nunjucks';
import { parse, parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const backstage = join(root, 'examples/backstage');

let failures = 0;
let checks = 0;
function report(ok, what, detail = '') {
  checks++;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
}

function readDocs(path) {
  return parseAllDocuments(readFileSync(path, 'utf8')).map(d => {
    if (d.errors.length) throw new Error(`${path}: ${d.errors[0].message}`);
    return d.toJS();
  });
}

// resolvePlaceholders does what the catalog's placeholder processor does for
// $text: the entity's definition becomes the referenced file's text.
function resolvePlaceholders(value, baseDir) {
  if (Array.isArray(value)) return value.map(v => resolvePlaceholders(v, baseDir));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$text') {
    return readFileSync(resolve(baseDir, value.$text), 'utf8');
  }
  return Object.fromEntries(keys.map(k => [k, resolvePlaceholders(value[k], baseDir)]));
}

// --- 1. Entities -----------------------------------------------------------

const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);
const kindValidators = [
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  templateEntityV1beta3Validator,
];

async function validateEntity(entity, file) {
  const what = `${file} ${entity.kind}:${entity.metadata?.name}`;
  try {
    const checked = await policy.enforce(entity);
    let matched = 0;
    for (const v of kindValidators) {
      if (await v.check(checked)) matched++;
    }
    report(matched === 1, `entity ${what}`, matched === 1 ? 'valid' : `${matched} kind validators accept it, want 1`);
  } catch (e) {
    report(false, `entity ${what}`, e.message);
  }
}

const templates = {};
for (const file of ['catalog-info.yaml', 'template.yaml', 'template-apply.yaml']) {
  for (const doc of readDocs(join(backstage, file))) {
    await validateEntity(resolvePlaceholders(doc, backstage), `examples/backstage/${file}`);
    if (doc.kind === 'Template') templates[file] = doc;
  }
}

// --- 2. The form's JSON Schema ---------------------------------------------

// withoutUI drops the ui:* keys: Backstage moves them into the form's UI
// schema before the JSON Schema is validated.
function withoutUI(value) {
  if (Array.isArray(value)) return value.map(withoutUI);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('ui:')).map(([k, v]) => [k, withoutUI(v)]));
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const template = templates['template.yaml'];
const pages = template.spec.parameters.map(p => ({ title: p.title, validate: ajv.compile(withoutUI(p)) }));
const clusterChecks = template.spec.parameters.map(p => p.description ?? '').join(' ');

// formData is what a person enters for a CatalogApi: its spec fields, plus
// the object's name, namespace and owner and the GitOps destination.
function formData(name, namespace, spec) {
  return {
    name, namespace, owner: 'group:default/team-catalog',
    repoUrl: 'github.com?owner=example&repo=gitops', gitopsPath: 'catalog-apis',
    ...structuredClone(spec),
  };
}

// validateForm runs every page's schema over the data, filling defaults as
// the form does; it returns the errors' instance paths.
function validateForm(data) {
  const errors = [];
  for (const page of pages) {
    if (!page.validate(data)) {
      errors.push(...page.validate.errors.map(e => `${e.instancePath || '/'} ${e.message}`));
    }
  }
  return errors;
}

const example = parse(readFileSync(join(root, 'examples/xr.yaml'), 'utf8'));
const exampleData = formData(example.metadata.name, example.metadata.namespace, example.spec);
const exampleErrors = validateForm(exampleData);
report(exampleErrors.length === 0, 'form accepts examples/xr.yaml', exampleErrors.join('; ') || 'no errors');

const cases = parse(readFileSync(join(root, 'e2e/testdata/input-cases.yaml'), 'utf8')).cases;
let refused = 0;
let leftToCluster = 0;
for (const c of cases) {
  const errors = validateForm(formData(c.name, 'team-catalog', parse(c.spec)));
  if (!c.field) {
    report(errors.length === 0, `form accepts good case ${c.name}`, errors.join('; ') || 'no errors');
    continue;
  }
  // The error must be about the case's field: spec.a.b is /a/b in the form.
  const pointer = c.field.replace(/^spec\./, '/').replace(/\[(\d+)\]/g, '/$1').replaceAll('.', '/');
  const leaf = pointer.split('/').pop();
  const aboutField = errors.filter(e => e.startsWith(pointer + ' ') || e.includes(`'${leaf}'`));
  if (aboutField.length > 0) {
    refused++;
    report(true, `form refuses bad case ${c.name}`, aboutField.join('; '));
  } else if (errors.length === 0 && clusterChecks.includes(c.xrdSays)) {
    leftToCluster++;
    report(true, `form leaves bad case ${c.name} to the cluster`, `the form says the cluster checks "${c.xrdSays}"`);
  } else {
    report(false, `form refuses bad case ${c.name}`, errors.length ? `errors not about ${c.field}: ${errors.join('; ')}` : 'accepted');
  }
}

// --- 3. The manifest the templates write -----------------------------------

// Backstage's templater: nunjucks with ${{ }} for variables.
const env = new nunjucks.Environment(null, { autoescape: false, tags: { variableStart: '${{', variableEnd: '}}' } });
const skeleton = readFileSync(join(backstage, 'skeleton/catalogapi.yaml'), 'utf8');
const applyStep = templates['template-apply.yaml'].spec.steps.find(s => s.action === 'kube:apply');

function checkManifest(what, text) {
  const m = parse(text);
  const specKeys = Object.keys(m.spec ?? {});
  const want = Object.fromEntries(specKeys.map(k => [k, exampleData[k]]));
  const ok = m.apiVersion === 'catalog.example.org/v1alpha1' && m.kind === 'CatalogApi' &&
    m.metadata.name === exampleData.name && m.metadata.namespace === exampleData.namespace &&
    m.metadata.annotations['terasky.backstage.io/owner'] === exampleData.owner &&
    specKeys.length === 8 && isDeepStrictEqual(m.spec, want);
  report(ok, `${what} renders the CatalogApi of the form's values`, ok ? `${specKeys.length} spec fields` : JSON.stringify(m));
}
checkManifest('fetch:template skeleton', env.renderString(skeleton, { values: exampleData }));
checkManifest('kube:apply manifest', env.renderString(applyStep.input.manifest, { parameters: exampleData }));

console.log(`${checks} checks, ${failures} failed; bad input cases: ${refused} refused by the form, ${leftToCluster} left to the cluster`);
process.exit(failures === 0 ? 0 : 1);
