// deploy/: every Kubernetes manifest of the kustomize base validated against the Kubernetes API schemas
// (kubernetes-models, offline), and what Slipway needs of them checked by hand: probes on the health routes, a drain
// that fits the grace period, both ports, the database URL from the Secret, an HPA on pending requests with a CPU
// fallback, a PDB over the same pods; and the container recipe (multi-stage, non-root, ports, health check).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './server-process.js';

const BASE = join(ROOT, 'deploy', 'kubernetes', 'base');

interface Kustomization {
  kind: string;
  resources: string[];
  labels: { pairs: Record<string, string>; includeSelectors: boolean }[];
}

const kustomization = parse(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as Kustomization;
const documents = kustomization.resources.map((file) => ({ file, doc: parse(readFileSync(join(BASE, file), 'utf8')) as { apiVersion: string; kind: string } }));

function byKind<T>(kind: string): T {
  const found = documents.find((d) => d.doc.kind === kind);
  if (!found) throw new Error(`no ${kind} among ${kustomization.resources.join(', ')}`);
  return found.doc as T;
}

/** The schema class of each kind the base may hold: an unknown kind fails the test rather than going unchecked. */
const MODELS: Record<string, new (doc: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 Secret': Secret,
};

describe('the kustomize base', () => {
  it('lists every manifest in the directory, and each is valid against the Kubernetes API schema of its kind', () => {
    expect(kustomization.kind).toBe('Kustomization');
    const yamlFiles = readdirSync(BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'prometheus-adapter-rule.yaml');
    expect([...kustomization.resources].sort()).toEqual(yamlFiles.sort());
    for (const { file, doc } of documents) {
      const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate(), file).not.toThrow();
    }
  });

  it('is checked by a schema that refuses what the API would refuse', () => {
    const deployment = structuredClone(byKind<Record<string, unknown>>('Deployment'));
    (deployment.spec as Record<string, unknown>).replicas = 'three';
    expect(() => new Deployment(deployment as never).validate()).toThrow(/replicas/);
  });

  it('probes readiness and liveness on the health routes, drains within the grace period, exposes both ports', () => {
    const d = byKind<DeploymentDoc>('Deployment');
    const pod = d.spec.template.spec;
    const c = pod.containers[0]!;
    expect(c.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(c.ports.map((p) => [p.name, p.containerPort])).toEqual([['http', 8000], ['grpc', 8001]]);
    const preStopSeconds = Number(c.lifecycle.preStop.exec.command.at(-1));
    const drainMs = Number(c.env.find((e) => e.name === 'SLIPWAY_DRAIN_MS')?.value);
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(drainMs).toBeGreaterThan(0);
    // preStop, then the drain, then in-flight requests (up to the default maxTimeoutMs, 60 s, is the caller's risk).
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + drainMs / 1000 + 30);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('takes the database URL from the Secret the base ships', () => {
    const c = byKind<DeploymentDoc>('Deployment').spec.template.spec.containers[0]!;
    const secret = byKind<{ metadata: { name: string }; stringData: Record<string, string> }>('Secret');
    const ref = c.env.find((e) => e.name === 'SLIPWAY_DATABASE_URL')?.valueFrom?.secretKeyRef;
    expect(ref?.name).toBe(secret.metadata.name);
    expect(secret.stringData[ref!.key]).toMatch(/^postgres:\/\//);
  });

  it('serves HTTP on 8000 and gRPC on 8001 from the Deployment’s pods', () => {
    const s = byKind<{ spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>('Service');
    expect(s.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([['http', 8000, 'http'], ['grpc', 8001, 'grpc']]);
    expect(s.spec.selector).toEqual(byKind<DeploymentDoc>('Deployment').spec.template.metadata.labels);
  });

  it('scales on pending requests per pod (the adapter rule serves that metric) with CPU as the fallback', () => {
    const hpa = byKind<{ spec: { scaleTargetRef: { kind: string; name: string }; metrics: { type: string; pods?: { metric: { name: string } }; resource?: { name: string } }[] } }>('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'slipway' });
    const pods = hpa.spec.metrics.find((m) => m.type === 'Pods');
    expect(hpa.spec.metrics.find((m) => m.type === 'Resource')?.resource?.name).toBe('cpu');
    const rule = parse(readFileSync(join(BASE, 'prometheus-adapter-rule.yaml'), 'utf8')) as { rules: { seriesQuery: string; name: { as: string } }[] };
    expect(rule.rules.map((r) => r.name.as)).toContain(pods?.pods?.metric.name);
    // The series the rule reads is one Slipway exports (monitoring/serving-metrics.ts).
    const series = /^(\w+)\{/.exec(rule.rules[0]!.seriesQuery)![1]!;
    expect(readFileSync(join(ROOT, 'src', 'monitoring', 'serving-metrics.ts'), 'utf8')).toContain(`'${series}'`);
  });

  it('budgets disruptions over the same pods', () => {
    const pdb = byKind<{ spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(byKind<DeploymentDoc>('Deployment').spec.selector.matchLabels);
  });
});

describe('the container recipe', () => {
  it('builds in stages, runs as a non-root user, exposes both ports and checks its health', () => {
    const text = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^USER (?!root)\w+/m);
    expect(text).toMatch(/^EXPOSE 8000 8001$/m);
    expect(text).toMatch(/^HEALTHCHECK .*/m);
    expect(text).toContain('/v2/health/live');
    // Every path copied from the context exists.
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) for (const p of m[1]!.split(/\s+/)) expect(existsSync(join(ROOT, p)), p).toBe(true);
  });
});

interface DeploymentDoc {
  spec: {
    selector: { matchLabels: Record<string, string> };
    strategy: { rollingUpdate: { maxUnavailable: number } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot: boolean };
        containers: {
          ports: { name: string; containerPort: number }[];
          env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
          readinessProbe: { httpGet: { path: string } };
          livenessProbe: { httpGet: { path: string } };
          lifecycle: { preStop: { exec: { command: string[] } } };
        }[];
      };
    };
  };
}
