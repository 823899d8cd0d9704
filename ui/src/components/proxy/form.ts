// The proxy form of the Proxy pane: the upstream (as the Client pane's
// connect form), and where the proxy listens.
import type { ProxySettings } from '../../bindings/ProxySettings';
import { buildTarget, emptyForm, formErrors, type ConnectForm } from '../../lib/remote';

export type ProxyForm = ConnectForm & { host: string; port: string; staticDir: string };

export type ProxyField = 'url' | 'caFile' | 'password' | 'host' | 'port' | 'staticDir';

export function emptyProxyForm(url = ''): ProxyForm {
  return { ...emptyForm(url), host: '127.0.0.1', port: '0', staticDir: '' };
}

export function proxyFormErrors(form: ProxyForm): Partial<Record<ProxyField, string>> {
  const errors: Partial<Record<ProxyField, string>> = formErrors(form);
  if (form.host.trim() === '') errors.host = 'An address to listen on, e.g. 127.0.0.1';
  const port = form.port.trim();
  if (port !== '' && (!/^\d+$/.test(port) || Number(port) > 65535)) errors.port = 'A port 0–65535 (0: any free one)';
  return errors;
}

export function proxyStartData(form: ProxyForm): ProxySettings {
  const data: ProxySettings = { upstream: buildTarget(form), host: form.host.trim(), port: Number(form.port.trim() || '0') };
  if (form.staticDir.trim()) data.staticDir = form.staticDir.trim();
  return data;
}
