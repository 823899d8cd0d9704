import { describe, expect, it } from 'vitest';
import type { ServerSettings } from '../src/bindings/ServerSettings';
import {
  FIELDS,
  changedFields,
  errorText,
  fieldOfError,
  rebaseDraft,
  toDraft,
  validateDraft,
} from '../src/lib/settings';

const defaults: ServerSettings = {
  host: '127.0.0.1',
  port: 8080,
  wsPath: '/ws',
  staticDir: null,
  liveReload: true,
  indexPath: '/index.html',
  pemFile: null,
  htpasswdFile: null,
  autoflush: 0.2,
  shutdownTimeout: 0.1,
  sharedState: true,
  parallelRequests: false,
  noCache: true,
  generation: '0.6',
  maxSegmentSize: 65536,
  pingDelay: 30,
  pingTimeout: 30,
  maxMessageSize: 67108864,
  sendQueueSize: 1024,
  maxPendingRequests: 1024,
  maxConnections: 10000,
  allowedOrigins: null,
  idleTimeout: null,
  tcpKeepalive: 60,
  notifyOverflowClose: null,
};

describe('fields', () => {
  it('cover every field of ServerSettings once', () => {
    expect(FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(defaults).sort());
  });
});

describe('toDraft / validateDraft', () => {
  it('round-trips the settings', () => {
    const { settings, errors } = validateDraft(toDraft(defaults));
    expect(errors).toEqual({});
    expect(settings).toEqual(defaults);
  });

  it('maps empty optional fields to null and lines to lists', () => {
    const d = { ...toDraft(defaults), wsPath: ' ', staticDir: 'web ', allowedOrigins: 'http://a:1\n\n https://b \n', autoflush: null };
    const { settings } = validateDraft(d);
    expect(settings).toMatchObject({ wsPath: null, staticDir: 'web', allowedOrigins: ['http://a:1', 'https://b'], autoflush: null });
  });

  it('checks ports, paths, numbers and ranges', () => {
    const d = {
      ...toDraft(defaults),
      host: '',
      port: '70000',
      wsPath: 'ws',
      indexPath: 'index.html',
      autoflush: '-1',
      shutdownTimeout: 'soon',
      pingDelay: '0',
      maxConnections: '0',
      maxMessageSize: '1.5',
      allowedOrigins: 'localhost:8080',
    };
    const { settings, errors } = validateDraft(d);
    expect(settings).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(
      ['allowedOrigins', 'autoflush', 'host', 'indexPath', 'maxConnections', 'maxMessageSize', 'pingDelay', 'port', 'shutdownTimeout', 'wsPath'].sort(),
    );
    expect(errors.port).toMatch(/65535/);
    expect(errors.wsPath).toMatch(/start with \//);
    expect(errors.maxConnections).toMatch(/at least 1/);
    expect(errors.pingDelay).toMatch(/more than 0/);
    expect(errors.maxMessageSize).toMatch(/whole number/);
  });

  it('accepts the edges of the ranges', () => {
    for (const port of ['0', '65535']) {
      expect(validateDraft({ ...toDraft(defaults), port }).errors).toEqual({});
    }
    expect(validateDraft({ ...toDraft(defaults), port: '-1' }).errors.port).toBeTruthy();
    expect(validateDraft({ ...toDraft(defaults), autoflush: '0', shutdownTimeout: '0' }).errors).toEqual({});
  });
});

describe('changedFields', () => {
  it('is empty for an untouched draft and ignores formatting', () => {
    expect(changedFields(toDraft(defaults), defaults)).toEqual([]);
    const d = { ...toDraft(defaults), port: ' 8080', autoflush: '0.20', allowedOrigins: '\n' };
    expect(changedFields(d, defaults)).toEqual([]);
  });

  it('lists the edited fields', () => {
    const d = { ...toDraft(defaults), maxConnections: '5', noCache: false, autoflush: null };
    expect(changedFields(d, defaults).sort()).toEqual(['autoflush', 'maxConnections', 'noCache']);
  });
});

describe('rebaseDraft', () => {
  it('keeps the user’s edits and takes the engine’s other changes', () => {
    const draft = { ...toDraft(defaults), maxConnections: '5' };
    const after = { ...defaults, port: 9000 };
    const { draft: next, conflicts } = rebaseDraft(draft, defaults, after);
    expect(next.maxConnections).toBe('5');
    expect(next.port).toBe('9000');
    expect(conflicts).toEqual([]);
    expect(changedFields(next, after)).toEqual(['maxConnections']);
  });

  it('reports a field both changed', () => {
    const draft = { ...toDraft(defaults), port: '1234' };
    const { draft: next, conflicts } = rebaseDraft(draft, defaults, { ...defaults, port: 9000 });
    expect(next.port).toBe('1234');
    expect(conflicts).toEqual(['port']);
  });

  it('an edit that now equals the engine is no conflict', () => {
    const draft = { ...toDraft(defaults), port: '9000' };
    const { conflicts } = rebaseDraft(draft, defaults, { ...defaults, port: 9000 });
    expect(conflicts).toEqual([]);
  });
});

describe('fieldOfError', () => {
  it('finds the setting an engine error is about', () => {
    expect(fieldOfError({ field: 'server.autoflush' })).toBe('autoflush');
    expect(fieldOfError({ field: 'server.wsPath' })).toBe('wsPath');
    expect(fieldOfError({ field: 'server.allowedOrigins[1]' })).toBe('allowedOrigins');
    expect(fieldOfError({ field: 'server.staticDir' })).toBe('staticDir');
    expect(fieldOfError({ field: 'port' })).toBe('port');
    // No field, or one that is no setting.
    expect(fieldOfError({})).toBeNull();
    expect(fieldOfError({ field: 'rules[0].id' })).toBeNull();
    expect(fieldOfError({ field: 'server.nonsense' })).toBeNull();
  });

  it('shows the detail next to the field, else the message', () => {
    expect(errorText({ message: 'server.wsPath: "ws" does not start with /', detail: '"ws" does not start with /' })).toBe(
      '"ws" does not start with /',
    );
    expect(errorText({ message: 'cannot listen' })).toBe('cannot listen');
  });
});
