// Capacity math and Kubernetes snippets for a recommended config: replicas for a target rate, resources, an HPA.

import type { CapacityPlan, ProfilePoint } from '../core/profile-report.js';

/** Run replicas at most this busy: room for spikes, garbage collection and a replica being replaced. */
export const DEFAULT_HEADROOM = 0.7;
/** Memory request over the measured resident size: allocation peaks between samples and page-cache growth. */
const MEMORY_MARGIN = 1.5;

export function replicasFor(targetRps: number, perReplicaRps: number, headroom = DEFAULT_HEADROOM): number {
  if (!(perReplicaRps > 0)) throw new Error('cannot plan capacity from a throughput of 0');
  return Math.max(1, Math.ceil(targetRps / (perReplicaRps * headroom)));
}

export function capacityPlan(point: ProfilePoint, targetRps: number, name: string, headroom = DEFAULT_HEADROOM): CapacityPlan {
  const replicas = replicasFor(targetRps, point.throughput, headroom);
  // The cores the throughput was measured with (see coresUsed): a config whose threads outnumber the profiling host's
  // cores asks for no more than it had, so a replica serves what was planned, at the cost that was reported.
  const cpu = point.coresUsed;
  const memoryMiB = Math.ceil((point.rssBytes / (1024 * 1024)) * MEMORY_MARGIN);
  const app = `slipway-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  // One server process per pod (--workers 1): the throughput and memory planned are one process's, as profiled.
  const deploymentYaml = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${app}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      app: ${app}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${app}`,
    '    spec:',
    '      containers:',
    '        - name: slipway',
    '          image: slipway:latest',
    '          args: ["serve", "--host", "0.0.0.0", "--workers", "1"]',
    '          ports:',
    '            - containerPort: 8000',
    '          resources:',
    '            requests:',
    `              cpu: "${cpu}"`,
    `              memory: ${memoryMiB}Mi`,
    '            limits:',
    `              cpu: "${cpu}"`,
    `              memory: ${memoryMiB}Mi`,
    '',
  ].join('\n');
  const hpaYaml = [
    'apiVersion: autoscaling/v2',
    'kind: HorizontalPodAutoscaler',
    'metadata:',
    `  name: ${app}`,
    'spec:',
    '  scaleTargetRef:',
    '    apiVersion: apps/v1',
    '    kind: Deployment',
    `    name: ${app}`,
    `  minReplicas: ${replicas}`,
    `  maxReplicas: ${replicas * 2}`,
    '  metrics:',
    '    - type: Resource',
    '      resource:',
    '        name: cpu',
    '        target:',
    '          type: Utilization',
    `          averageUtilization: ${Math.round(headroom * 100)}`,
    '',
  ].join('\n');
  return { targetRps, headroom, perReplicaRps: point.throughput, replicas, cpu, memoryMiB, deploymentYaml, hpaYaml };
}
