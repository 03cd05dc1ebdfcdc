// A throw-away X.509 CA and leaf certificates (ECDSA P-256) made with openssl, for tests
// that authenticate IKE with certificates. Subjects are `CN=<name>`, with the name also as
// a DNS subjectAltName, so either can be the IKE identity.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
	/** Subject DN as strongSwan prints it, e.g. `CN=gw-a.example`. */
	dn: string;
	cert: string;
	key: string;
}

export interface TestCa {
	cert: string;
	issue(name: string): TestCert;
}

export function makeTestCa(dir: string): TestCa {
	mkdirSync(dir, { recursive: true });
	const ossl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
	const caKey = join(dir, 'ca.key');
	const caCert = join(dir, 'ca.pem');
	ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caCert, '-subj', '/CN=esplane test CA', '-days', '2',
		'-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
	return {
		cert: readFileSync(caCert, 'utf8'),
		issue(name: string): TestCert {
			const key = join(dir, `${name}.key`);
			const csr = join(dir, `${name}.csr`);
			const crt = join(dir, `${name}.pem`);
			const ext = join(dir, `${name}.ext`);
			writeFileSync(ext, `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth,clientAuth\n`);
			ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`);
			ossl('x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', '2', '-extfile', ext);
			return { dn: `CN=${name}`, cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
		},
	};
}
