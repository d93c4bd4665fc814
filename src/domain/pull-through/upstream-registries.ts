/**
 * The upstream registries a pull through cache rule may name (ECR's UpstreamRegistry values), told
 * apart by their registry URL, and the rules of each: which need a Secrets Manager secret
 * (`credentialArn`), which an IAM role, which accept the ROOT prefix and an upstream repository prefix.
 */
export type UpstreamKind =
  | 'ecr'
  | 'ecr-public'
  | 'docker-hub'
  | 'github-container-registry'
  | 'gitlab-container-registry'
  | 'k8s'
  | 'quay'
  | 'azure-container-registry'
  | 'chainguard';

const FIXED: Readonly<Record<string, UpstreamKind>> = {
  'public.ecr.aws': 'ecr-public',
  'registry-1.docker.io': 'docker-hub',
  'ghcr.io': 'github-container-registry',
  'registry.gitlab.com': 'gitlab-container-registry',
  'registry.k8s.io': 'k8s',
  'quay.io': 'quay',
  'cgr.dev': 'chainguard',
};

const ECR_URL = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const AZURE_URL = /^[a-z0-9]{5,50}\.azurecr\.io$/;

/** "Docker Hub, Microsoft Azure Container Registry, GitHub Container Registry, GitLab Container Registry and Chainguard (requires authentication with a Secrets Manager secret)". */
export const NEEDS_SECRET: readonly UpstreamKind[] = [
  'docker-hub',
  'github-container-registry',
  'gitlab-container-registry',
  'azure-container-registry',
  'chainguard',
];

/** The kind of upstream a registry URL names (an `https://` prefix is allowed), or undefined when ECR supports none. */
export function upstreamKindOf(url: string): UpstreamKind | undefined {
  const host = url.replace(/^https:\/\//, '').replace(/\/$/, '');
  return FIXED[host] ?? (ECR_URL.test(host) ? 'ecr' : AZURE_URL.test(host) ? 'azure-container-registry' : undefined);
}

/** The registry URL without scheme or trailing slash (how rules keep it). */
export const upstreamHost = (url: string): string => url.replace(/^https:\/\//, '').replace(/\/$/, '');

/** The account and region of an ECR registry URL. */
export function ecrRegistryOf(url: string): { account: string; region: string } | undefined {
  const m = ECR_URL.exec(upstreamHost(url));
  return m ? { account: m[1]!, region: m[2]! } : undefined;
}
