/** The name the starter template carries until the admin picks a real one. */
export const placeholderName = "my-template";

/** What "New template" opens with: a small, valid sim template to adapt. */
export const starterTemplate = `apiVersion: provisio.dev/v1
kind: Template
metadata:
  # Pick the template's name: lowercase letters, digits and '-', unique in the catalog.
  name: ${placeholderName}
  title: Small virtual machine
  description: One virtual machine in its own private network, for trying things out.
  category: compute
  owner: Platform team
  tags: [vm]
spec:
  version: 1.0.0
  engine: sim
  tiers: [dev]
  parameters:
    - name: region
      title: Region
      type: string
      enum: [us-east-1, eu-west-1]
      default: eu-west-1
    - name: instance_type
      title: Instance type
      type: string
      enum: [t3.micro, t3.small, t3.medium]
      default: t3.small
    - name: disk_gb
      title: Disk
      help: Size of the boot disk.
      type: integer
      minimum: 10
      maximum: 200
      default: 20
      unit: GB
  resources:
    - id: network
      type: network
      properties:
        region: \${params.region}
        cidr: 10.0.0.0/16
    - id: subnet
      type: subnet
      properties:
        region: \${params.region}
        network: \${resources.network.id}
        cidr: 10.0.1.0/24
    - id: vm
      type: instance
      properties:
        region: \${params.region}
        instance_type: \${params.instance_type}
        image: debian-12
        subnet: \${resources.subnet.id}
        disk_gb: \${params.disk_gb}
  outputs:
    - name: hostname
      title: Host name
      value: \${resources.vm.hostname}
  policy:
    ttl:
      dev: { default: 3d, max: 14d }
    approvals:
      dev: []
    requiredTags: [cost-center, owner]
`;
