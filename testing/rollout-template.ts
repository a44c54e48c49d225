/**
 * The fleet rollout journey's and benchmark's template (e2e/fleet-rollout.spec.ts,
 * bench/rollout.bench.ts): three small sim resources; 1.0.1 changes only a tag, so a rollout
 * from 1.0.0 updates every resource in place. Pure text, no imports: the browser tests use it too.
 */
export const rolloutTemplateYaml = (name: string, version: string) => `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: ${name}
  title: Rollout box ${name}
  description: A small machine for fleet rollout tests and benchmarks.
  category: compute
  owner: Platform team
  tags: [test]
spec:
  version: ${version}
  engine: sim
  tiers: [dev]
  parameters: []
  resources:
    - id: net
      type: network
      properties: { region: eu-west-1, cidr: 10.0.0.0/16 }
    - id: subnet
      type: subnet
      properties: { region: eu-west-1, network: "\${resources.net.id}", cidr: 10.0.1.0/24 }
    - id: vm
      type: instance
      properties: { region: eu-west-1, instance_type: t3.micro, image: debian-12, subnet: "\${resources.subnet.id}", disk_gb: 20 }
  outputs: []
  policy:
    ttl: { dev: { default: 1d, max: 3d } }
    approvals: { dev: [] }
    tags: { rollout: ${version === "1.0.0" ? "first" : "second"} }
    requiredTags: [cost-center]
    onFailure: cleanup
`;
