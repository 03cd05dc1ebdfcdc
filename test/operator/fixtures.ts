// Sample IPsecTunnels shared by the operator tests.
import type { IPsecTunnel, IPsecTunnelSpec } from '../../operator/api/ipsectunnel.js';

export function siteToSiteSpec(overrides: Partial<IPsecTunnelSpec> = {}): IPsecTunnelSpec {
	return {
		local: { address: '192.0.2.1', subnets: ['10.1.0.0/24'] },
		remote: { address: '198.51.100.2', subnets: ['10.2.0.0/24'] },
		auth: { psk: { secretRef: { name: 'site-b-psk', key: 'psk' } } },
		...overrides,
	};
}

export function tunnel(name: string, spec: IPsecTunnelSpec = siteToSiteSpec(), namespace = 'default'): IPsecTunnel {
	return { apiVersion: 'esplane.io/v1alpha1', kind: 'IPsecTunnel', metadata: { name, namespace }, spec };
}
