/** The parts of the tutorial, in reading order. `start` is the first page's route once it exists. */
export type Part = {
  folder: string;
  title: string;
  question: string;
  summary: string;
  start?: string;
};

export const parts: Part[] = [
  {folder: '00-intro', title: 'Intro', question: 'What is this?', summary: 'What the tutorial is, what it is not, what you need, and the mental model.', start: '/docs/intro/what-this-is'},
  {folder: '10-silos-isolation', title: 'Silos: isolation', question: 'Who are you, what do you see?', summary: 'Namespaces: pid, mount, uts, ipc, user, network, cgroup, time; how they are made, entered and kept alive.', start: '/docs/silos-isolation/just-a-process'},
  {folder: '20-box-cgroups', title: 'Box: resource control', question: 'How much do you get?', summary: 'Cgroups v1 and v2: CPU, memory and the OOM killer, pids, IO, and how runtimes place containers.', start: '/docs/box-cgroups/why-cgroups'},
  {folder: '30-glue-filesystems', title: 'Glue: filesystems', question: 'What do you touch?', summary: 'Images and layers, OverlayFS, copy-on-write, whiteouts, rootfs assembly, pivot_root.', start: '/docs/glue-filesystems/image-vs-container'},
  {folder: '40-inside-man-runtime', title: 'Inside man: runtimes', question: 'Who builds the container?', summary: 'OCI specs, containerd and its shim, runc, bundles, nsenter, strace of a container start.', start: '/docs/inside-man-runtime/big-picture'},
  {folder: '50-nervous-system-networking', title: 'Nervous system: networking', question: 'How do containers talk?', summary: 'veth pairs, bridges, NAT and masquerading, Docker and Kubernetes networking.', start: '/docs/nervous-system-networking/network-namespace'},
  {folder: '60-immune-system-security', title: 'Immune system: security', question: 'Why is it not just a jail?', summary: 'Capabilities, seccomp, AppArmor and SELinux, read-only roots, no-new-privileges, user namespaces.', start: '/docs/immune-system-security/linux-capabilities'},
  {folder: '70-brain-state', title: 'Brain: state', question: 'What does the runtime remember?', summary: 'Container state, where metadata lives, checkpoint and restore with CRIU.', start: '/docs/brain-state/container-state'},
  {folder: '80-practical-build-container', title: 'Build your own container', question: 'Can you do it by hand?', summary: 'A working runtime in bash, stage by stage: sudo scripts/mini-container.sh run /bin/sh.', start: '/docs/practical-build-container/overview'},
  {folder: '90-observability-labs', title: 'Observability labs', question: 'What can you see from the host?', summary: '/proc, /sys/fs/cgroup, iptables-save, mount and lsns.', start: '/docs/observability-labs/procfs'},
  {folder: '95-failure-labs', title: 'Failure labs', question: 'What happens when it breaks?', summary: 'Kill PID 1, exceed memory, break a mount, remove a veth, lose the network.', start: '/docs/failure-labs/kill-pid1'},
  {folder: '99-appendix', title: 'Appendix', question: 'Where next?', summary: 'Kernel references, man pages, books, further reading.', start: '/docs/appendix/kernel-references'},
];

/** The mental model: each term and the part that explains it. */
export const mentalModel: {term: string; part: string}[] = [
  {term: 'Namespaces', part: '10-silos-isolation'},
  {term: 'Cgroups', part: '20-box-cgroups'},
  {term: 'Filesystems', part: '30-glue-filesystems'},
  {term: 'Capabilities', part: '60-immune-system-security'},
  {term: 'Seccomp', part: '60-immune-system-security'},
  {term: 'Networking', part: '50-nervous-system-networking'},
  {term: 'Glue', part: '40-inside-man-runtime'},
];
