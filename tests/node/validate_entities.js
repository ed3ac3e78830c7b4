// Validates Backstage entities with Backstage's own validators (@backstage/catalog-model):
// the entity policies the catalog backend applies to every entity it ingests, then the kind's
// own validator. Prints, for each entity, its reference, the error (or null) and the relations
// the catalog's built-in processor would derive from its spec.
//
// stdin: JSON [{"source": "...", "entity": {...}}, ...]; stdout: JSON [{source, ref, error, relations}].
'use strict';
const model = require('@backstage/catalog-model');

const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);

const kindValidators = [
  model.componentEntityV1alpha1Validator, model.domainEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator, model.locationEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator, model.systemEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator, model.apiEntityV1alpha1Validator,
];

// field -> [relation, default kind] as BuiltinKindsEntityProcessor emits them
const RELATION_FIELDS = {
  Component: { owner: ['ownedBy', 'Group'], system: ['partOf', 'System'], subcomponentOf: ['partOf', 'Component'],
               dependsOn: ['dependsOn', null], dependencyOf: ['dependencyOf', null],
               providesApis: ['providesApi', 'API'], consumesApis: ['consumesApi', 'API'] },
  Resource: { owner: ['ownedBy', 'Group'], system: ['partOf', 'System'], dependsOn: ['dependsOn', null],
              dependencyOf: ['dependencyOf', null] },
  System: { owner: ['ownedBy', 'Group'], domain: ['partOf', 'Domain'] },
  Domain: { owner: ['ownedBy', 'Group'], subdomainOf: ['partOf', 'Domain'] },
  Group: { parent: ['childOf', 'Group'], children: ['parentOf', 'Group'], members: ['hasMember', 'User'] },
  User: { memberOf: ['memberOf', 'Group'] },
  API: { owner: ['ownedBy', 'Group'], system: ['partOf', 'System'] },
};

async function check(entity) {
  await policy.enforce(entity);
  for (const v of kindValidators) {
    if (await v.check(entity)) return;
  }
  throw new Error(`no validator accepts kind ${entity.kind} of apiVersion ${entity.apiVersion}`);
}

function relations(entity) {
  const out = [];
  const fields = RELATION_FIELDS[entity.kind] || {};
  const namespace = (entity.metadata && entity.metadata.namespace) || model.DEFAULT_NAMESPACE;
  for (const [field, [type, defaultKind]] of Object.entries(fields)) {
    let value = (entity.spec || {})[field];
    if (value === undefined || value === null) continue;
    for (const target of Array.isArray(value) ? value : [value]) {
      const opts = { defaultNamespace: namespace };
      if (defaultKind) opts.defaultKind = defaultKind;
      let parsed;
      try { parsed = model.parseEntityRef(target, opts); } catch (e) {
        out.push({ type, field, target: null, error: String(e.message || e) });
        continue;
      }
      out.push({ type, field, target: model.stringifyEntityRef(parsed) });
    }
  }
  return out;
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  for (const { source, entity } of items) {
    let error = null;
    let ref = null;
    try {
      await check(entity);
      ref = model.stringifyEntityRef(entity);
    } catch (e) {
      error = String((e && e.message) || e);
    }
    results.push({ source, ref, error, relations: error ? [] : relations(entity) });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(2); });
