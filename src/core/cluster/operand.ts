// An operand's references in the payload and the edits that point them at another image: pure functions of the
// payload's manifests and the live objects, so the plan can be shown (and tested) before anything changes.
import { OkdError } from '../errors';
import { loadJsYaml } from '../lazyModules';
import { splitYamlDocuments } from '../release/operators';
import { OPERAND_PATCHED_LABEL, OPERAND_RECORD_ANNOTATION, type OperandEdit, type OperandRecord, readOperandRecord } from './record';
import { type ComponentOverride, type JsonPatchOp, type ObjectMeta, pointerSegment } from './types';

/** The kinds whose references an operand patch rewrites: an operator's workload and the ConfigMaps it reads. */
export type OperandObjectKind = 'Deployment' | 'DaemonSet' | 'ConfigMap';

export interface OperandObjectRef {
  kind: OperandObjectKind;
  /** The API group, as an override names it: `apps`, or `` for a ConfigMap. */
  group: string;
  namespace: string;
  name: string;
}

/** One place of a payload object that holds the operand's pullspec (`from` is the payload's text). */
export type PayloadEdit = Omit<OperandEdit, 'to'> & {
  /** An env var on a container that runs the image itself (OPERATOR_IMAGE): the operator's own, not an operand's. */
  self?: boolean;
};

export interface PayloadReference {
  object: OperandObjectRef;
  /** The manifest file it comes from. */
  file: string;
  edits: PayloadEdit[];
}

/** `Deployment openshift-monitoring/cluster-monitoring-operator`, `ConfigMap ns/name`. */
export function describeObject(ref: { kind: string; namespace: string; name: string }): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** The override that makes the CVO leave this object alone. */
export function objectOverride(ref: OperandObjectRef): ComponentOverride {
  return { kind: ref.kind, group: ref.group, namespace: ref.namespace, name: ref.name, unmanaged: true };
}

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function digestOf(pullspec: string): string | undefined {
  const at = pullspec.lastIndexOf('@');
  return at >= 0 && /^sha\d+:[a-f0-9]+$/.test(pullspec.slice(at + 1)) ? pullspec.slice(at + 1) : undefined;
}

/**
 * `text` with every reference to one of `images` replaced by `to`: the same pullspec, or any pullspec with the same
 * digest (a payload names an image by digest; the repository in front may be spelled another way). Pullspecs end
 * at a character no reference has (`=`, `"`, `,`, a space), as in `-images=prometheus=<pullspec>` or JSON text.
 */
export function rewriteReferences(text: string, images: readonly string[], to: string): string {
  let out = text;
  for (const image of images) {
    const digest = digestOf(image);
    out = digest ? out.replace(new RegExp(`[A-Za-z0-9][A-Za-z0-9._/:-]*@${escapeRe(digest)}(?![A-Za-z0-9])`, 'g'), to) : out.split(image).join(to);
  }
  return out;
}

export function holdsReference(text: string | undefined, images: readonly string[]): boolean {
  return text !== undefined && images.some((image) => rewriteReferences(text, [image], '\u0000') !== text);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function documentsOf(file: string, content: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const collect = (doc: unknown) => {
    if (!isObject(doc)) return;
    if (typeof doc['kind'] === 'string' && doc['kind'].endsWith('List') && Array.isArray(doc['items'])) doc['items'].forEach(collect);
    else out.push(doc);
  };
  if (file.endsWith('.json')) collect(JSON.parse(content));
  else for (const text of splitYamlDocuments(content)) loadJsYaml().loadAll(text, collect, { filename: file, json: true });
  return out;
}

function workloadEdits(spec: Record<string, unknown>, images: readonly string[]): PayloadEdit[] {
  const edits: PayloadEdit[] = [];
  const containers = Array.isArray(spec['containers']) ? spec['containers'] : [];
  for (const c of containers) {
    if (!isObject(c) || typeof c['name'] !== 'string') continue;
    const container = c['name'];
    const runsIt = typeof c['image'] === 'string' && holdsReference(c['image'], images);
    if (runsIt) edits.push({ field: 'image', container, from: c['image'] as string });
    for (const env of Array.isArray(c['env']) ? c['env'] : []) {
      if (isObject(env) && typeof env['name'] === 'string' && typeof env['value'] === 'string' && holdsReference(env['value'], images)) {
        edits.push({ field: 'env', container, key: env['name'], from: env['value'], ...(runsIt ? { self: true } : {}) });
      }
    }
    (Array.isArray(c['args']) ? c['args'] : []).forEach((arg: unknown, index: number) => {
      if (typeof arg === 'string' && holdsReference(arg, images)) edits.push({ field: 'args', container, index, from: arg });
    });
  }
  return edits;
}

/**
 * Every place in the payload's manifests that holds `pullspec`: the container images, env values and args of
 * Deployments and DaemonSets, and the data of ConfigMaps. Objects the payload deletes are left out; an object
 * in several manifests (one per cluster profile) counts once.
 */
export function findPayloadReferences(files: Record<string, string>, pullspec: string): PayloadReference[] {
  const images = [pullspec];
  const needle = digestOf(pullspec) ?? pullspec;
  const found = new Map<string, PayloadReference>();
  for (const file of Object.keys(files).sort()) {
    const content = files[file] as string;
    if (!/\.(ya?ml|json)$/.test(file) || !content.includes(needle)) continue;
    let docs: Record<string, unknown>[];
    try {
      docs = documentsOf(file, content);
    } catch {
      continue; // the release model reports unparsable manifests; the CVO cannot apply them either
    }
    for (const doc of docs) {
      const meta = isObject(doc['metadata']) ? doc['metadata'] : {};
      const annotations = isObject(meta['annotations']) ? meta['annotations'] : {};
      if (annotations['release.openshift.io/delete'] === 'true') continue;
      const name = typeof meta['name'] === 'string' ? meta['name'] : '';
      const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
      const kind = doc['kind'];
      let object: OperandObjectRef | undefined;
      let edits: PayloadEdit[] = [];
      if ((kind === 'Deployment' || kind === 'DaemonSet') && doc['apiVersion'] === 'apps/v1') {
        const spec = isObject(doc['spec']) && isObject(doc['spec']['template']) ? doc['spec']['template']['spec'] : undefined;
        if (isObject(spec)) edits = workloadEdits(spec, images);
        object = { kind, group: 'apps', namespace, name };
      } else if (kind === 'ConfigMap' && doc['apiVersion'] === 'v1') {
        const data = isObject(doc['data']) ? doc['data'] : {};
        for (const [key, value] of Object.entries(data)) if (typeof value === 'string' && holdsReference(value, images)) edits.push({ field: 'data', key, from: value });
        object = { kind, group: '', namespace, name };
      }
      if (!object || !edits.length || !name) continue;
      const id = `${object.kind}/${namespace}/${name}`;
      if (!found.has(id)) found.set(id, { object, file, edits });
    }
  }
  return [...found.values()];
}

/**
 * Is the component an operand: does an operator take its pullspec from env, args or a ConfigMap? A component whose
 * pullspec appears only as the image of the workloads that run it (and their own OPERATOR_IMAGE) is an operator.
 */
export function isOperand(references: readonly PayloadReference[]): boolean {
  return references.some((r) => r.edits.some((e) => e.field !== 'image' && !e.self));
}

/** A live object as the operand patch reads it: a workload (pod template) or a ConfigMap (data). */
export interface LiveObject {
  metadata: ObjectMeta;
  spec?: { template?: { spec?: { containers?: { name: string; image?: string; env?: { name: string; value?: string }[]; args?: string[] }[] } } };
  data?: Record<string, string>;
}

export interface ObjectPatchPlan {
  object: OperandObjectRef;
  edits: OperandEdit[];
  /** The live text each edit replaces (parallel to `edits`): what undoing this one patch puts back. */
  replaced: string[];
  ops: JsonPatchOp[];
  record: OperandRecord;
}

function notInCluster(ref: OperandObjectRef, what: string, images: readonly string[]): OkdError {
  return new OkdError(
    'not-found',
    `${describeObject(ref)} has no ${what} holding ${images[0]}`,
    `the cluster does not match its payload (someone else changed it?); check \`oc get ${ref.kind.toLowerCase()} -n ${ref.namespace} ${ref.name} -o yaml\``,
  );
}

/**
 * The JSON patch that rewrites each payload reference in the live object to `image`, each replacement guarded by a
 * `test` of the text it replaces, plus our record (kept `from` values of an earlier patch: they always name the
 * payload's text). `images` are what may be there now: the payload's pullspec and the image of an earlier patch.
 */
export function planObjectPatch(
  live: LiveObject,
  reference: PayloadReference,
  component: string,
  payloadImage: string,
  image: string,
  override: { override?: ComponentOverride; previousOverride?: ComponentOverride } = {},
  now: Date = new Date(),
): ObjectPatchPlan {
  const ref = reference.object;
  const previous = readOperandRecord(live);
  const images = [payloadImage, ...(previous ? [previous.image] : [])];
  const ours = override.override ? override : { override: previous?.override, previousOverride: previous?.override ? previous.previousOverride : undefined };
  const ops: JsonPatchOp[] = [];
  const edits: OperandEdit[] = [];
  const replaced: string[] = [];
  const keep = (edit: Omit<OperandEdit, 'from' | 'to'>, liveText: string) =>
    previous?.edits.find((e) => e.field === edit.field && e.container === edit.container && e.key === edit.key && e.index === edit.index)?.from ?? liveText;
  const claimedArgs = new Set<string>();
  for (const want of reference.edits) {
    if (ref.kind === 'ConfigMap') {
      const key = want.key as string;
      const text = live.data?.[key];
      if (text === undefined || !holdsReference(text, images)) throw notInCluster(ref, `data key "${key}"`, images);
      const to = rewriteReferences(text, images, image);
      const path = `/data/${pointerSegment(key)}`;
      ops.push({ op: 'test', path, value: text }, { op: 'replace', path, value: to });
      replaced.push(text);
      edits.push({ field: 'data', key, from: keep({ field: 'data', key }, text), to });
      continue;
    }
    const containers = live.spec?.template?.spec?.containers ?? [];
    const index = containers.findIndex((c) => c.name === want.container);
    const container = containers[index];
    if (!container) throw notInCluster(ref, `container "${want.container}"`, images);
    const base = `/spec/template/spec/containers/${index}`;
    if (want.field === 'image') {
      if (!holdsReference(container.image, images)) throw notInCluster(ref, `container "${container.name}" image`, images);
      const text = container.image as string;
      ops.push({ op: 'test', path: `${base}/name`, value: container.name }, { op: 'test', path: `${base}/image`, value: text }, { op: 'replace', path: `${base}/image`, value: image });
      replaced.push(text);
      edits.push({ field: 'image', container: container.name, from: keep({ field: 'image', container: container.name }, text), to: image });
    } else if (want.field === 'env') {
      const envIndex = (container.env ?? []).findIndex((e) => e.name === want.key);
      const text = container.env?.[envIndex]?.value;
      if (text === undefined || !holdsReference(text, images)) throw notInCluster(ref, `env ${container.name}/${want.key}`, images);
      const to = rewriteReferences(text, images, image);
      const path = `${base}/env/${envIndex}`;
      ops.push({ op: 'test', path: `${path}/name`, value: want.key }, { op: 'test', path: `${path}/value`, value: text }, { op: 'replace', path: `${path}/value`, value: to });
      replaced.push(text);
      edits.push({ field: 'env', container: container.name, key: want.key as string, from: keep({ field: 'env', container: container.name, key: want.key as string }, text), to });
    } else if (want.field === 'args') {
      const args = container.args ?? [];
      // The payload's position first; the live list may have moved it (the same argument, found by its reference).
      const at = [want.index as number, ...args.keys()].find((i) => !claimedArgs.has(`${container.name}/${i}`) && holdsReference(args[i], images));
      if (at === undefined) throw notInCluster(ref, `argument of container "${container.name}"`, images);
      claimedArgs.add(`${container.name}/${at}`);
      const text = args[at] as string;
      const to = rewriteReferences(text, images, image);
      const path = `${base}/args/${at}`;
      ops.push({ op: 'test', path, value: text }, { op: 'replace', path, value: to });
      replaced.push(text);
      edits.push({ field: 'args', container: container.name, index: at, from: keep({ field: 'args', container: container.name, index: at }, text), to });
    }
  }
  const record: OperandRecord = {
    component,
    payloadImage,
    image,
    edits,
    ...(ours.override ? { override: ours.override } : {}),
    ...(ours.override && ours.previousOverride ? { previousOverride: ours.previousOverride } : {}),
    patchedAt: now.toISOString(),
  };
  ops.push(...recordOps(live, record));
  return { object: ref, edits, replaced, ops, record };
}

/** Adds our record (annotation) and label; a whole map is added only if the object is as read (resourceVersion). */
function recordOps(live: LiveObject, record: OperandRecord): JsonPatchOp[] {
  const { annotations, labels, resourceVersion } = live.metadata;
  const ops: JsonPatchOp[] = [];
  if ((!annotations || !labels) && resourceVersion !== undefined) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion });
  const text = JSON.stringify(record);
  ops.push(
    annotations ? { op: 'add', path: `/metadata/annotations/${pointerSegment(OPERAND_RECORD_ANNOTATION)}`, value: text } : { op: 'add', path: '/metadata/annotations', value: { [OPERAND_RECORD_ANNOTATION]: text } },
    labels ? { op: 'add', path: `/metadata/labels/${pointerSegment(OPERAND_PATCHED_LABEL)}`, value: 'true' } : { op: 'add', path: '/metadata/labels', value: { [OPERAND_PATCHED_LABEL]: 'true' } },
  );
  return ops;
}

/** The JSON patch that removes our record and label, guarded by a test of the record. */
export function forgetOperandRecordPatch(live: LiveObject): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const text = live.metadata.annotations?.[OPERAND_RECORD_ANNOTATION];
  const annotation = `/metadata/annotations/${pointerSegment(OPERAND_RECORD_ANNOTATION)}`;
  if (text !== undefined) ops.push({ op: 'test', path: annotation, value: text }, { op: 'remove', path: annotation });
  if (live.metadata.labels?.[OPERAND_PATCHED_LABEL] !== undefined) ops.push({ op: 'remove', path: `/metadata/labels/${pointerSegment(OPERAND_PATCHED_LABEL)}` });
  return ops;
}

/**
 * The JSON patch that puts each edit's `from` text back where it holds the `to` text now (restore, when the override
 * is not ours to remove, and the undo of a failed patch). Edits already back are left.
 */
export function editsBackPatch(live: LiveObject, edits: readonly OperandEdit[]): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const containers = live.spec?.template?.spec?.containers ?? [];
  for (const edit of edits) {
    let path: string | undefined;
    let now: string | undefined;
    if (edit.field === 'data') {
      path = `/data/${pointerSegment(edit.key as string)}`;
      now = live.data?.[edit.key as string];
    } else {
      const index = containers.findIndex((c) => c.name === edit.container);
      const c = containers[index];
      if (!c) continue;
      const base = `/spec/template/spec/containers/${index}`;
      if (edit.field === 'image') [path, now] = [`${base}/image`, c.image];
      else if (edit.field === 'args') [path, now] = [`${base}/args/${edit.index}`, c.args?.[edit.index as number]];
      else {
        const envIndex = (c.env ?? []).findIndex((e) => e.name === edit.key);
        [path, now] = [`${base}/env/${envIndex}/value`, c.env?.[envIndex]?.value];
      }
    }
    if (now === undefined || now === edit.from || now !== edit.to) continue;
    ops.push({ op: 'test', path, value: now }, { op: 'replace', path, value: edit.from });
  }
  return ops;
}

/** Does the live object hold every edit's `from` text again (the CVO has put the payload's object back)? */
export function editsAreBack(live: LiveObject, edits: readonly OperandEdit[]): boolean {
  const containers = live.spec?.template?.spec?.containers ?? [];
  return edits.every((edit) => {
    if (edit.field === 'data') return live.data?.[edit.key as string] === edit.from;
    const c = containers.find((x) => x.name === edit.container);
    if (edit.field === 'image') return c?.image === edit.from;
    if (edit.field === 'args') return c?.args?.[edit.index as number] === edit.from;
    return c?.env?.find((e) => e.name === edit.key)?.value === edit.from;
  });
}

/** One edit in words: `env operator/OPERAND_IMAGE`, `args operator[2]`, `data images.json`. */
export function describeEdit(edit: Pick<OperandEdit, 'field' | 'container' | 'key' | 'index'>): string {
  if (edit.field === 'data') return `data ${edit.key}`;
  if (edit.field === 'image') return `container ${edit.container} image`;
  if (edit.field === 'args') return `args ${edit.container}[${edit.index}]`;
  return `env ${edit.container}/${edit.key}`;
}
